"""Network policy shared by every outgoing HTTP client (exchange REST, archive, webhooks).

:mod:`liqmap.net.retry` holds the one :class:`RetryPolicy`, ``Retry-After`` parser, status ->
error mapper and retry loop (:func:`with_retries`); the recorder's reconnect backoff is the
policy's too.

:mod:`liqmap.net.deadline` bounds the *total* time of a request: ``httpx.Timeout`` bounds each
read, so a server trickling a byte every half second would otherwise hold a request forever.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_RETRY = ("RetryPolicy", "error_for_status", "parse_retry_after", "with_retries")


def __getattr__(name: str) -> Any:
    """The names above, imported on first use (PEP 562): ``liqmap.settings`` (read by most
    commands) needs only ``DEFAULT_DEADLINE_S``, not asyncio and the retry loop."""
    if name not in __all__:
        raise AttributeError(f"module 'liqmap.net' has no attribute {name!r}")
    module = "liqmap.net.retry" if name in _RETRY else "liqmap.net.deadline"
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
