"""The alert config file: format, defaults, validation; errors name file, rule (or webhook), field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from liqmap.alerts import (
    DEFAULT_COOLDOWN_MS,
    AlertConfigError,
    AlertsConfig,
    ClusterChangeRule,
    ClusterProximityRule,
    LiquidationsRule,
    WebhookConfig,
    load_config,
)
from liqmap.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "alerts.example.toml"

RULE = """
[[rule]]
name = "near"
kind = "cluster_proximity"
symbols = ["btcusdt"]
within_pct = 1.0
min_usd = 1_000_000
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "alerts.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _error(tmp_path: Path, text: str) -> AlertConfigError:
    p = _write(tmp_path, text)
    with pytest.raises(AlertConfigError) as info:
        load_config(p)
    assert str(p) in str(info.value), "the error names the file"
    assert info.value.path == str(p)
    return info.value


def test_documented_example_loads() -> None:
    cfg = load_config(EXAMPLE)
    kinds = [type(r) for r in cfg.rules]
    assert kinds == [
        ClusterProximityRule,
        ClusterProximityRule,
        ClusterChangeRule,
        LiquidationsRule,
    ]
    near = cfg.rules[0]
    assert isinstance(near, ClusterProximityRule)
    assert near.tiers == (50.0, 100.0) and near.side == "long" and near.cooldown_ms == 30 * 60_000
    assert cfg.rules[1].symbols == ("*",)
    assert [w.name for w in cfg.webhooks] == ["ops"]
    assert cfg.webhooks_for("liquidation-burst") == cfg.webhooks
    assert cfg.symbols == ("BTCUSDT", "ETHUSDT")


def test_defaults_and_normalisation(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, RULE))
    (rule,) = cfg.rules
    assert isinstance(rule, ClusterProximityRule)
    assert rule.symbols == ("BTCUSDT",)  # upper-cased
    assert rule.side == "any" and rule.tiers is None and rule.webhooks is None
    assert rule.cooldown_ms == DEFAULT_COOLDOWN_MS == 15 * 60_000
    assert rule.applies_to("btcusdt") and not rule.applies_to("ETHUSDT")
    assert cfg.webhooks == () and cfg.path.endswith("alerts.toml")


@pytest.mark.parametrize(
    ("value", "ms"), [('"90s"', 90_000), ('"15m"', 900_000), ('"2h"', 7_200_000), ("0", 0)]
)
def test_cooldown_forms(tmp_path: Path, value: str, ms: int) -> None:
    cfg = load_config(_write(tmp_path, RULE + f"cooldown = {value}\n"))
    assert cfg.rules[0].cooldown_ms == ms


def test_records_are_frozen(tmp_path: Path) -> None:
    cfg = load_config(EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.rules[0].within_pct = 5.0  # type: ignore[misc, union-attr]
    with pytest.raises(TypeError):
        cfg.webhooks[0].headers["X"] = "y"  # type: ignore[index]


def test_unknown_rule_key_lists_the_known_ones(tmp_path: Path) -> None:
    err = _error(tmp_path, RULE + "withn_pct = 2\n")
    assert err.rule == "near" and err.field == "withn_pct"
    msg = str(err)
    assert "rule 'near'" in msg and "field 'withn_pct'" in msg
    assert (
        "known keys: cooldown, kind, min_usd, name, side, symbols, tiers, webhooks, within_pct"
        in msg
    )


def test_unknown_top_level_and_webhook_keys(tmp_path: Path) -> None:
    err = _error(tmp_path, "[[rules]]\nname = 'x'\n")
    assert "unknown top-level key(s) rules" in str(err) and "rule, webhook" in str(err)
    err = _error(tmp_path, RULE + "[[webhook]]\nname = 'ops'\nurl = 'http://x.test'\nretries = 3\n")
    assert "webhook 'ops'" in str(err) and "field 'retries'" in str(err)
    assert "max_attempts" in str(err)


@pytest.mark.parametrize(
    ("extra", "field", "needle"),
    [
        ("within_pct = 0\n", "within_pct", "(0, 100]"),
        ("within_pct = -1\n", "within_pct", "got -1"),
        ("min_usd = 'lots'\n", "min_usd", "must be a number"),
        ("min_usd = -5\n", "min_usd", "[0,"),
        ("side = 'up'\n", "side", "'long', 'short' or 'any'"),
        ("tiers = ['abc']\n", "tiers", "'abc' is not a leverage tier"),
        ("tiers = ['1x']\n", "tiers", "leverage > 1"),
        ("tiers = []\n", "tiers", "empty list"),
        ("cooldown = '5 minutes'\n", "cooldown", "duration like"),
        ("cooldown = 300\n", "cooldown", "duration like"),
        ("webhooks = []\n", "webhooks", "sends nowhere"),
    ],
)
def test_bad_proximity_values(tmp_path: Path, extra: str, field: str, needle: str) -> None:
    text = RULE.replace("within_pct = 1.0\n", "") if field == "within_pct" else RULE
    text = text.replace("min_usd = 1_000_000\n", "") if field == "min_usd" else text
    err = _error(tmp_path, text + extra)
    assert (err.rule, err.field) == ("near", field)
    assert f"rule 'near', field '{field}'" in str(err)
    assert needle in str(err)


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ("kind = 'liquidations'\nsymbols = 'X1'\nmin_usd = 1\nminutes = 0\n", "minutes", "[1, 10080]"),
        ("kind = 'liquidations'\nsymbols = 'X1'\nmin_usd = 1\nminutes = 1.5\n", "minutes", "whole number"),
        ("kind = 'liquidations'\nsymbols = 'X1'\nmin_usd = 1\nminutes = 5\nside = 'both'\n", "side", "'total'"),
        ("kind = 'liquidations'\nsymbols = 'X1'\nmin_usd = 1\n", "minutes", "needs name, kind, symbols, min_usd, minutes"),
        ("kind = 'cluster_change'\nsymbols = 'X1'\nchange_pct = 0\n", "change_pct", "(0,"),
        ("kind = 'cluster_change'\nsymbols = 'X1'\nchange_pct = 5\nmatch_pct = 60\n", "match_pct", "50]"),
        ("kind = 'cluster_change'\nsymbols = 'X1'\nchange_pct = 5\ndirection = 'up'\n", "direction", "'grow'"),
        ("kind = 'cluster_change'\nsymbols = 'X1'\nchange_pct = 5\ninclude_vanished = 1\n", "include_vanished", "true or false"),
        ("kind = 'cluster_change'\nsymbols = []\nchange_pct = 5\n", "symbols", "at least one symbol"),
        ("kind = 'cluster_change'\nsymbols = ['BTC USDT']\nchange_pct = 5\n", "symbols", "not a symbol"),
        ("kind = 'cluster_change'\nsymbols = 7\nchange_pct = 5\n", "symbols", "text or a list"),
        ("kind = 'nope'\nsymbols = 'X1'\n", "kind", "cluster_proximity, cluster_change, liquidations"),
    ],
)  # fmt: skip
def test_bad_values_of_other_kinds(tmp_path: Path, body: str, field: str, needle: str) -> None:
    err = _error(tmp_path, f"[[rule]]\nname = 'r1'\n{body}")
    assert f"rule 'r1', field '{field}'" in str(err)
    assert needle in str(err)


def test_rule_without_a_valid_name_is_named_by_position(tmp_path: Path) -> None:
    err = _error(tmp_path, RULE + "[[rule]]\nname = 'bad name!'\nkind = 'liquidations'\n"
                 "symbols = 'X1'\nmin_usd = 1\nminutes = 5\n")  # fmt: skip
    assert "rule #2, field 'name'" in str(err)
    err = _error(tmp_path, "[[rule]]\nkind = 'liquidations'\n")
    assert "rule #1, field 'name'" in str(err)


def test_duplicates_routes_and_webhook_values(tmp_path: Path) -> None:
    err = _error(tmp_path, RULE + RULE)
    assert "rule name(s) used twice: near" in str(err)
    err = _error(
        tmp_path,
        RULE + "webhooks = ['pager']\n[[webhook]]\nname = 'ops'\nurl = 'https://h.test/x'\n",
    )
    assert "rule 'near', field 'webhooks'" in str(
        err
    ) and "no webhook named pager; known: ops" in str(err)
    err = _error(tmp_path, RULE + "[[webhook]]\nname = 'ops'\nurl = 'ftp://h.test/x'\n")
    assert "webhook 'ops', field 'url'" in str(err)
    err = _error(
        tmp_path, RULE + "[[webhook]]\nname = 'ops'\nurl = 'http://h.test'\nmax_attempts = 0\n"
    )
    assert "field 'max_attempts'" in str(err) and "[1, 20]" in str(err)
    err = _error(tmp_path, RULE + "[[webhook]]\nname = 'ops'\nurl = 'http://h.test'\n"
                 "headers = { Idempotency-Key = 'x' }\n")  # fmt: skip
    assert "field 'headers'" in str(err) and "Idempotency-Key" in str(err)
    err = _error(tmp_path, RULE + "[[webhook]]\nurl = 'http://h.test'\n")
    assert "webhook #1, field 'name'" in str(err)


def test_file_level_errors(tmp_path: Path) -> None:
    err = _error(tmp_path, "[[rule]\nname = 'x'\n")
    assert "not valid TOML" in str(err) and "line 1" in str(err)
    err = _error(tmp_path, "# nothing here\n")
    assert "no [[rule]] tables" in str(err)
    with pytest.raises(AlertConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")


def test_errors_are_input_errors_and_direct_construction_validates() -> None:
    assert issubclass(AlertConfigError, InputError)  # the CLI maps it to exit code 2
    with pytest.raises(AlertConfigError, match="rule 'x', field 'within_pct'"):
        ClusterProximityRule(name="x", symbols=("BTCUSDT",), within_pct=-1.0, min_usd=0.0)
    with pytest.raises(AlertConfigError, match="webhook 'w', field 'timeout_s'"):
        WebhookConfig(name="w", url="http://127.0.0.1:1/x", timeout_s=0.0)
    rule = LiquidationsRule(name="x", symbols=("*",), min_usd=0.0, minutes=5)
    with pytest.raises(AlertConfigError, match="used twice"):
        AlertsConfig((rule, rule))


def test_every_config_key_is_documented() -> None:
    from liqmap.alerts import config_file as config

    doc = (EXAMPLE.parent / "alerts.md").read_text(encoding="utf-8")
    keys = {*config._COMMON, *config._WEBHOOK, "kind"}
    keys |= {k for _, own, _ in config._KINDS.values() for k in own}
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert missing == [], f"docs/alerts.md does not describe {missing}"
    assert all(f"`{kind}`" in doc for kind in config._KINDS)
