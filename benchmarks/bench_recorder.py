"""Target of issue 4, section 8: the recorder sustains 5,000 messages/s from a local replay
server with less than one core, losing no event.

The real ``liqmap record`` process (default sink: the store's segment files) records a
10-second replay of Binance ``forceOrder`` messages, built from the real liquidations of the
shared Binance tape (times shifted to keep every message distinct), served at 5,000 msg/s by
:class:`liqmap.testing.replay.ReplayServer` in this process. The recorder's CPU time over the
replay window is read from ``/proc/<pid>/stat`` (utime + stime); loss = messages sent - rows
in the store. Run alone: ``python -m benchmarks.bench_recorder``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from benchmarks._harness import Result, require_shared
from liqmap.domain.enums import Venue
from liqmap.store.segments import segment_files
from liqmap.testing.replay import ReplayServer, encode_liquidations

RATE = 5_000  # messages per second
SECONDS = 10.0
SYMBOLS = ("BTCUSDT", "ETHUSDT")
TAPE = "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Outcome:
    sent: int
    window_s: float
    cpu_s: float
    rows: int
    returncode: int

    @property
    def lost(self) -> int:
        return self.sent - self.rows


def _messages(n: int) -> list[str]:
    """``n`` forceOrder messages with the real tape's sides, prices and sizes."""
    tape = pl.read_csv(require_shared() / "liquidations" / TAPE).head(n)
    events = []
    for i in range(n):
        row = tape.row(i % len(tape), named=True)
        side = 1 if row["liquidated_side"] == "long" else -1
        symbol = SYMBOLS[i % 2]
        events.append((symbol, 1_770_000_000_000 + i, side, float(row["price"]), float(row["qty"])))
    return encode_liquidations(Venue.BINANCE, events)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stored_rows(home: Path) -> int:
    files = [f for s in SYMBOLS for f in segment_files(home, "liquidations", "binance", s)]
    return sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)


async def _wait(cond: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    while not cond():
        if loop.time() - t0 > TIMEOUT_S:
            raise SystemExit(f"bench_recorder: timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def _run(home: Path) -> Outcome:
    messages = _messages(int(RATE * SECONDS))
    async with ReplayServer(Venue.BINANCE, messages, rate_per_s=RATE) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIQMAP_")}
        env |= {"LIQMAP_HOME": str(home), "LIQMAP_BINANCE_WS_URL": server.url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "liqmap", "record", "-e", "binance", "-s", ",".join(SYMBOLS),
            "--flush-every", "1s", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await _wait(lambda: server.first_send_at is not None, "the subscription")
        cpu0, t0 = _cpu_s(proc.pid), asyncio.get_running_loop().time()
        await _wait(server.done.is_set, "the replay")
        cpu1, t1 = _cpu_s(proc.pid), asyncio.get_running_loop().time()
        await asyncio.sleep(1.5)  # the last flush interval
        proc.send_signal(signal.SIGINT)
        returncode = await asyncio.wait_for(proc.wait(), TIMEOUT_S)
        return Outcome(server.sent, t1 - t0, cpu1 - cpu0, _stored_rows(home), returncode)


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        o = asyncio.run(_run(Path(tmp)))
    share = o.cpu_s / o.window_s
    detail = (
        f"{o.sent / o.window_s:,.0f} msg/s for {o.window_s:.1f} s, {o.rows:,} rows stored, "
        f"{o.lost} lost, exit {o.returncode}"
    )
    ok = o.lost == 0 and o.returncode == 0
    return [
        Result(
            f"recorder at {RATE:,} msg/s: CPU seconds per second (< 1 core, 0 lost)",
            share if ok else float("inf"),
            1.0,
            detail,
            unit="core",
        )
    ]


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.median_s:.3f} (target < {r.target_s}) - {r.detail}")
