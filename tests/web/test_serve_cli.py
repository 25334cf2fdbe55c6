"""``liqmap serve`` as users run it: a real process, loopback by default, clean Ctrl+C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from liqmap.cli.app import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQMAP_")}
    return {**env, "LIQMAP_HOME": str(home), "COLUMNS": "200"}


def test_help_shows_loopback_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--host" in out and "127.0.0.1" in out
    assert "--port" in out and "8765" in out
    assert "--source" in out and "--demo-speed" in out


def test_serve_runs_on_loopback_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "liqmap", "serve", "--port", str(port), "--demo-speed", "0"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "liqmap serve did not come up"
                time.sleep(0.2)
        assert health.json()["sources"] == ["demo"]
        map_ = httpx.get(f"http://127.0.0.1:{port}/api/v1/levels", timeout=60)
        assert map_.json()["schema"] == "liqmap.map/1"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130), out  # 130: the shell's code for "stopped by Ctrl+C"
    assert "Traceback" not in out and "ERROR" not in out
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_rejects_an_unknown_source(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "liqmap", "serve", "--source", "kraken", "--port", "1"],
        env=_env(tmp_path),
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "kraken" in proc.stderr and "available: demo" in proc.stderr
