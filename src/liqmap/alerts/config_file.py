"""The alert config file (TOML): ``[[rule]]`` and ``[[webhook]]`` tables -> :class:`AlertsConfig`.

The format is documented in ``docs/alerts.md`` with a complete example in
``docs/alerts.example.toml``. Unknown keys are rejected with the list of known ones; every error is
an :class:`~liqmap.alerts.rules.AlertConfigError` naming the file, the rule (or webhook) and the
field.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlparse

from liqmap.alerts.rules import (
    NAME_RE,
    AlertConfigError,
    ClusterChangeRule,
    ClusterProximityRule,
    LiquidationsRule,
    Rule,
)
from liqmap.core.formatting import format_number

__all__ = ["AlertsConfig", "WebhookConfig", "load_config", "parse_config"]

_HEADER_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_RESERVED_HEADERS = {
    "content-type",
    "content-length",
    "idempotency-key",
    "x-liqmap-attempt",
    "host",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookConfig:
    """Where and how to POST alerts.

    Attempt ``n`` (1-based) that fails with a 5xx, a timeout or a connection error is retried
    after ``min(max_backoff_s, backoff_s * 2 ** (n - 1))`` seconds; a 429 with ``Retry-After`` is
    retried after that many seconds (when <= ``max_backoff_s``); at most ``max_attempts`` attempts.
    ``timeout_s`` bounds each read; ``deadline_s`` the whole delivery, retries and waits included
    (a receiver trickling bytes cannot hold it).
    """

    name: str
    url: str
    timeout_s: float = 5.0
    deadline_s: float = 60.0
    max_attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))

        def fail(f: str, msg: str) -> AlertConfigError:
            return AlertConfigError(msg, rule=self.name, field=f, section="webhook")

        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise AlertConfigError(
                f"webhook names use letters, digits, '_', '.', '-', got {self.name!r}",
                field="name", section="webhook",
            )  # fmt: skip
        parsed = urlparse(self.url) if isinstance(self.url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise fail("url", f"expected http(s)://host[:port]/path, got {self.url!r}")
        limits = {
            "timeout_s": (0.001, 300.0),
            "deadline_s": (0.001, 3600.0),
            "backoff_s": (0.0, 300.0),
            "max_backoff_s": (0.0, 3600.0),
        }
        for f, (lo, hi) in limits.items():
            value = getattr(self, f)
            if not (_is_number(value) and lo <= value <= hi):
                raise fail(
                    f,
                    f"must be a number of seconds in [{format_number(lo)}, {format_number(hi)}], got {value!r}",
                )
        if not (_is_int(self.max_attempts) and 1 <= self.max_attempts <= 20):
            raise fail(
                "max_attempts", f"must be a whole number in [1, 20], got {self.max_attempts!r}"
            )
        for key, value in self.headers.items():
            if not _HEADER_RE.match(key) or key.lower() in _RESERVED_HEADERS:
                raise fail("headers", f"{key!r} is not a header name you may set")
            if not isinstance(value, str) or "\n" in value or "\r" in value:
                raise fail("headers", f"header {key!r} needs a one-line text value")


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """Validated rules and webhooks; rule and webhook names are unique, routes exist."""

    rules: tuple[Rule, ...]
    webhooks: tuple[WebhookConfig, ...] = ()
    path: str = ""

    def __post_init__(self) -> None:
        src = self.path or None
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "webhooks", tuple(self.webhooks))
        for section, names in (
            ("rule", [r.name for r in self.rules]),
            ("webhook", [w.name for w in self.webhooks]),
        ):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise AlertConfigError(f"{section} name(s) used twice: {', '.join(dup)}", path=src)
        known = {w.name for w in self.webhooks}
        for r in self.rules:
            missing = [n for n in r.webhooks or () if n not in known]
            if missing:
                raise AlertConfigError(
                    f"no webhook named {', '.join(missing)}; known: {', '.join(sorted(known)) or 'none'}",
                    path=src, rule=r.name, field="webhooks",
                )  # fmt: skip

    def webhooks_for(self, rule: str) -> tuple[WebhookConfig, ...]:
        """The webhooks a rule's alerts go to (all of them unless the rule names some)."""
        wanted = next((r.webhooks for r in self.rules if r.name == rule), None)
        return tuple(w for w in self.webhooks if wanted is None or w.name in wanted)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol a rule names (``'*'`` excluded), sorted."""
        return tuple(sorted({s for r in self.rules for s in r.symbols if s != "*"}))


# --- value readers: TOML value -> Python value, or an error naming the field ---------------


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: object) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"must be a number, got {v!r}")
    return float(v)


def _integer(v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError(f"must be a whole number, got {v!r}")
    return v


def _text(v: object) -> str:
    if not isinstance(v, str):
        raise ValueError(f"must be text, got {v!r}")
    return v


def _flag(v: object) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"must be true or false, got {v!r}")
    return v


def _texts(v: object) -> tuple[str, ...]:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise ValueError(f"must be text or a list of texts, got {v!r}")
    return tuple(items)


def _tiers(v: object) -> tuple[float, ...]:
    if not isinstance(v, list):
        raise ValueError(f"must be a list of leverage tiers like ['50x', '100x'], got {v!r}")
    out = []
    for t in v:
        text = str(t).strip().lower().removesuffix("x") if not isinstance(t, bool) else ""
        try:
            out.append(float(text))
        except ValueError:
            raise ValueError(f"{t!r} is not a leverage tier like '25x' or 25") from None
    return tuple(out)


def _header_table(v: object) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        raise ValueError(
            f"must be a table of text values, e.g. {{ Authorization = '...' }}, got {v!r}"
        )
    return dict(v)


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _duration_ms(v: object) -> int:
    if _is_int(v) and v == 0:
        return 0
    m = _DURATION_RE.match(v) if isinstance(v, str) else None
    if m is None:
        raise ValueError(f"must be a duration like '90s', '15m', '2h', '1d' (or 0), got {v!r}")
    return round(float(m.group(1)) * _UNIT_MS[m.group(2)])


_Reader = Callable[[object], Any]
_COMMON: dict[str, tuple[str, _Reader]] = {
    "name": ("name", _text),
    "symbols": ("symbols", _texts),
    "cooldown": ("cooldown_ms", _duration_ms),
    "webhooks": ("webhooks", _texts),
}
_KINDS: dict[str, tuple[type[Rule], dict[str, tuple[str, _Reader]], tuple[str, ...]]] = {
    "cluster_proximity": (
        ClusterProximityRule,
        {"within_pct": ("within_pct", _number), "min_usd": ("min_usd", _number),
         "side": ("side", _text), "tiers": ("tiers", _tiers)},
        ("within_pct", "min_usd"),
    ),
    "cluster_change": (
        ClusterChangeRule,
        {"change_pct": ("change_pct", _number), "min_usd": ("min_usd", _number),
         "match_pct": ("match_pct", _number), "direction": ("direction", _text),
         "side": ("side", _text), "tiers": ("tiers", _tiers),
         "include_vanished": ("include_vanished", _flag)},
        ("change_pct",),
    ),
    "liquidations": (
        LiquidationsRule,
        {"min_usd": ("min_usd", _number), "minutes": ("minutes", _integer),
         "side": ("side", _text)},
        ("min_usd", "minutes"),
    ),
}  # fmt: skip
_WEBHOOK: dict[str, _Reader] = {
    "name": _text, "url": _text, "timeout_s": _number, "deadline_s": _number,
    "max_attempts": _integer,
    "backoff_s": _number, "max_backoff_s": _number, "headers": _header_table,
}  # fmt: skip


def _label(table: Mapping[str, Any], index: int) -> str:
    name = table.get("name")
    return name if isinstance(name, str) and NAME_RE.match(name) else f"#{index}"


def _read_fields(
    table: Mapping[str, Any],
    spec: Mapping[str, tuple[str, _Reader]],
    label: str,
    section: Literal["rule", "webhook"],
) -> dict[str, Any]:
    unknown = sorted(set(table) - set(spec) - {"kind"})
    if unknown:
        known = ", ".join(sorted({*spec, "kind"} if section == "rule" else spec))
        raise AlertConfigError(
            f"unknown key(s) {', '.join(unknown)}; known keys: {known}",
            rule=label, field=unknown[0], section=section,
        )  # fmt: skip
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "kind":
            continue
        attr, reader = spec[key]
        try:
            out[attr] = reader(value)
        except ValueError as exc:
            raise AlertConfigError(str(exc), rule=label, field=key, section=section) from None
    return out


def _rule(table: object, index: int) -> Rule:
    if not isinstance(table, dict):
        raise AlertConfigError("each [[rule]] must be a table", rule=f"#{index}")
    label = _label(table, index)
    kind = table.get("kind")
    if kind not in _KINDS:
        raise AlertConfigError(
            f"must be one of {', '.join(_KINDS)}, got {kind!r}", rule=label, field="kind"
        )
    cls, own, required = _KINDS[kind]
    try:
        values = _read_fields(table, {**_COMMON, **own}, label, "rule")
        missing = [k for k in ("name", "symbols", *required) if k not in table]
        if missing:
            raise AlertConfigError(
                f"missing; a {kind} rule needs {', '.join(('name', 'kind', 'symbols', *required))}",
                rule=label, field=missing[0],
            )  # fmt: skip
        return cls(**values)
    except AlertConfigError as exc:
        raise exc.located(rule=label) from None


def _webhook(table: object, index: int) -> WebhookConfig:
    if not isinstance(table, dict):
        raise AlertConfigError(
            "each [[webhook]] must be a table", rule=f"#{index}", section="webhook"
        )
    label = _label(table, index)
    missing = [k for k in ("name", "url") if k not in table]
    if missing:
        raise AlertConfigError(
            "missing; a webhook needs name and url", rule=label, field=missing[0], section="webhook"
        )
    spec = {k: (k, r) for k, r in _WEBHOOK.items()}
    try:
        return WebhookConfig(**_read_fields(table, spec, label, "webhook"))
    except AlertConfigError as exc:
        raise exc.located(rule=label) from None


def parse_config(data: Mapping[str, Any], *, source: str = "") -> AlertsConfig:
    """Build an :class:`AlertsConfig` from parsed TOML (errors name ``source`` when given)."""
    try:
        unknown = sorted(set(data) - {"rule", "webhook"})
        if unknown:
            raise AlertConfigError(
                f"unknown top-level key(s) {', '.join(unknown)}; known keys: rule, webhook "
                "(write rules as [[rule]] tables and webhooks as [[webhook]] tables)"
            )
        rules, hooks = data.get("rule", []), data.get("webhook", [])
        if not isinstance(rules, list) or not isinstance(hooks, list):
            raise AlertConfigError(
                "write rules as [[rule]] tables and webhooks as [[webhook]] tables"
            )
        if not rules:
            raise AlertConfigError("no [[rule]] tables; see docs/alerts.md for the format")
        return AlertsConfig(
            tuple(_rule(t, i) for i, t in enumerate(rules, 1)),
            tuple(_webhook(t, i) for i, t in enumerate(hooks, 1)),
            source,
        )
    except AlertConfigError as exc:
        if source and exc.path is None:
            raise exc.located(path=source) from None
        raise


def load_config(path: str | Path) -> AlertsConfig:
    """Read and validate an alert config file (TOML)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AlertConfigError(
            "no such file; pass --config with an alert rules file (TOML)", path=str(p)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertConfigError(f"cannot read the file ({exc})", path=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"not valid TOML: {exc}", path=str(p)) from None
    return parse_config(data, source=str(p))
