"""``liqmap alerts test|run``: output, delivery through a real receiver, exit codes (0, 1, 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from liqmap.cli.app import main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "alerts.example.toml"
DEMO = ["--symbol", "BTCUSDT", "--source", "demo", "--window", "24h"]

RULES = """
[[rule]]
name = "near-any"
kind = "cluster_proximity"
symbols = "*"
within_pct = 50
min_usd = 0

[[rule]]
name = "jump"
kind = "cluster_change"
symbols = ["BTCUSDT"]
change_pct = 0.001
include_vanished = true

[[rule]]
name = "eth-only"
kind = "liquidations"
symbols = ["ETHUSDT"]
min_usd = 0
minutes = 60
"""


def _config(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "alerts.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _hook(server: HTTPServer) -> str:
    return f'\n[[webhook]]\nname = "local"\nurl = "{server.url_for("/hook")}"\nbackoff_s = 0.01\n'


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> dict:  # type: ignore[type-arg]
    assert main(argv) == code
    return json.loads(capsys.readouterr().out)


def test_example_config_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "test", "--config", str(EXAMPLE), *DEMO]) == 0
    out = capsys.readouterr().out
    assert "4 rule(s), 1 webhook(s)" in out and "valid" in out
    assert "alert rules" in out and "btc-near-long-cluster" in out and "baseline" in out


def test_json_outcome_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, RULES)
    d = _json(capsys, ["alerts", "test", "--config", str(cfg), *DEMO, "--json"])
    status = {r["rule"]: r["status"] for r in d["rules"]}
    assert status == {"near-any": "fired", "jump": "skipped", "eth-only": "skipped"}
    fired = d["rules"][0]["alerts"]
    assert {a["values"]["side"] for a in fired} == {"long", "short"}
    assert all(a["schema"] == "liqmap.alert/1" and a["ts_ms"] == d["as_of_ms"] for a in fired)
    assert d["deliveries"] is None
    d = _json(capsys, ["alerts", "test", "--config", str(cfg), *DEMO, "--baseline", "2h", "--json"])
    jump = next(r for r in d["rules"] if r["rule"] == "jump")
    assert jump["status"] == "fired" and "since the previous evaluation 2h ago" in jump["detail"]


def test_send_delivers_and_reports(
    tmp_path: Path, receiver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = _config(tmp_path, RULES + _hook(receiver))
    d = _json(capsys, ["alerts", "test", "--config", str(cfg), *DEMO, "--send", "--json"])
    assert [x["status"] for x in d["deliveries"]] == ["delivered", "delivered"]
    bodies = [json.loads(req.get_data()) for req, _ in receiver.log]
    assert sorted(b["dedup_key"] for b in bodies) == sorted(
        a["dedup_key"] for a in d["rules"][0]["alerts"]
    )
    assert main(["alerts", "test", "--config", str(cfg), *DEMO, "--send"]) == 0
    out = capsys.readouterr().out
    assert "deliveries" in out and "delivered" in out


def test_failed_delivery_exits_1(
    tmp_path: Path, receiver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.expect_request("/hook").respond_with_response(Response("bad", status=400))
    cfg = _config(tmp_path, RULES + _hook(receiver))
    d = _json(capsys, ["alerts", "test", "--config", str(cfg), *DEMO, "--send", "--json"], code=1)
    assert {x["status"] for x in d["deliveries"]} == {"failed"}
    assert all(x["http_status"] == 400 and x["attempts"] == 1 for x in d["deliveries"])


@pytest.mark.parametrize(
    ("text", "extra", "needle"),
    [
        (RULES + "bogus = 1\n", [], "rule 'eth-only', field 'bogus': unknown key(s) bogus"),
        (RULES.replace("within_pct = 50", "within_pct = -1"), [], "field 'within_pct'"),
        (
            RULES.replace("min_usd = 0\n", "min_usd = 0\ntiers = ['7x']\n", 1),
            [],
            "field 'tiers': tier 7x is not on the BTCUSDT map",
        ),
        (RULES, ["--send"], "has no [[webhook]] tables"),
        (RULES, ["--baseline", "soon"], "--baseline"),
        ("[[rule]\n", [], "not valid TOML"),
    ],
)
def test_bad_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, extra: list[str], needle: str
) -> None:
    cfg = _config(tmp_path, text)
    assert main(["alerts", "test", "--config", str(cfg), *DEMO, *extra]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert needle in err
    if "--" not in needle:
        assert str(cfg) in err, "the message names the file"


def test_missing_config_and_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "test", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["alerts", "test"]) == 2, "--config is required"
    assert main(["alerts", "--help"]) == 0
    out = capsys.readouterr().out
    assert "test" in out and "run" in out


def test_run_loop_deduplicates(
    tmp_path: Path, receiver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = _config(tmp_path, RULES + _hook(receiver))
    argv = ["alerts", "run", "--config", str(cfg), *DEMO, "--every", "0", "--iterations", "2"]
    assert main([*argv, "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert sorted(a["values"]["side"] for a in lines) == ["long", "short"], "2nd round: duplicates"
    assert len(receiver.log) == 2
    assert main(["alerts", "run", "--config", str(cfg), "--every", "-1"]) == 2
    assert "--every and --iterations must be >= 0" in capsys.readouterr().err
