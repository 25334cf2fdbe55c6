"""The web dashboard and the versioned JSON API (``liqmap serve``).

::

    from liqmap.settings import Settings
    from liqmap.web import create_app
    app = create_app(Settings.from_env(), store=None)      # any ASGI server runs it
    # uvicorn.run(app, host="127.0.0.1", port=8765)

The page (``/``) draws the map, the heatmap and the cascade and plan panels with plotly.js
served from the installed plotly package (no CDN); the API lives under ``/api/v1`` and is described by ``/openapi.json``
(``docs/web.md``). FastAPI is imported on first use of :func:`create_app`, so the CLI starts
quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liqmap.web.config import DEFAULT_HOST, DEFAULT_PORT, WebConfig

if TYPE_CHECKING:
    from liqmap.web.app import create_app

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WebConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from liqmap.web.app import create_app

        return create_app
    raise AttributeError(f"module 'liqmap.web' has no attribute {name!r}")
