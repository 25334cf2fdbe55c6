"""Network policy shared by every outgoing HTTP client (exchange REST, archive, webhooks).

:mod:`liqmap.net.deadline` bounds the *total* time of a request: ``httpx.Timeout`` bounds each
read, so a server trickling a byte every half second would otherwise hold a request forever.
"""

from liqmap.net.deadline import DEFAULT_DEADLINE_S, Deadline, DeadlineExceeded, within

__all__ = ["DEFAULT_DEADLINE_S", "Deadline", "DeadlineExceeded", "within"]
