"""Network policy shared by every outgoing HTTP client (exchange REST, archive, webhooks).

:mod:`liqmap.net.retry` holds the one :class:`RetryPolicy`, ``Retry-After`` parser, status ->
error mapper and retry loop (:func:`with_retries`); the recorder's reconnect backoff is the
policy's too.

:mod:`liqmap.net.deadline` bounds the *total* time of a request: ``httpx.Timeout`` bounds each
read, so a server trickling a byte every half second would otherwise hold a request forever.
"""

from liqmap.net.deadline import DEFAULT_DEADLINE_S, Deadline, DeadlineExceeded, within
from liqmap.net.retry import RetryPolicy, error_for_status, parse_retry_after, with_retries

__all__ = [
    "DEFAULT_DEADLINE_S",
    "Deadline",
    "DeadlineExceeded",
    "RetryPolicy",
    "error_for_status",
    "parse_retry_after",
    "with_retries",
    "within",
]
