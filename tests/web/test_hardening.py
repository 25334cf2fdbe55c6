"""Server hardening (issue 13 items 6 and 7): load shedding with 503 + Retry-After, a bounded
prebuild set, the Host check on every bind, an optional token, a header deadline (slow-loris)."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import anyio
import httpx
from _web import make_app, serve, wait_ready

from liqmap.web.guard import BuildGate, Overloaded, allowed_hosts_for
from liqmap.web.response_cache import Recipe


def test_build_gate_sheds_past_its_queue() -> None:
    gate = BuildGate(slots=1, queue=1, wait_s=0.3)
    outcomes: list[str] = []

    async def one() -> None:
        try:
            await gate.run(lambda: time.sleep(0.6))
            outcomes.append("served")
        except Overloaded as exc:
            assert exc.retry_after_s == 2
            outcomes.append("shed")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(one)
                await asyncio.sleep(0.01)

    anyio.run(main)
    # one builds; one waits 0.3 s for the slot and is shed; the third finds the queue full
    assert sorted(outcomes) == ["served", "shed", "shed"]
    assert gate.stats()["shed"] == 2 and gate.stats()["served"] == 1


def test_overload_answers_503_with_retry_after(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo_speed=0.0, build_slots=1, build_queue=0, build_wait_s=0.1)
    with serve(app) as s:
        wait_ready(s.url)

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=s.url, timeout=60) as c:
                return list(await asyncio.gather(*(
                    c.get("/api/v1/heatmap", params={"bins": 60 + i, "columns": 30})
                    for i in range(8)
                )))  # fmt: skip

        answers = asyncio.run(burst())
        health = httpx.get(f"{s.url}/api/v1/health").json()
    codes = sorted(r.status_code for r in answers)
    assert set(codes) <= {200, 503} and 200 in codes and 503 in codes, codes
    shed = next(r for r in answers if r.status_code == 503)
    assert shed.headers["Retry-After"] == "2" and "busy" in shed.json()["message"]
    assert health["load"]["shed"] == codes.count(503)


def test_prebuild_is_bounded_to_the_most_requested(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo_speed=0.0, prebuild_max=3)
    state = app.state.liqmap
    src = state.sources.get("demo")
    built: list[int] = []
    for i in range(50):
        where = ("/api/v1/x", f"i={i}".encode())

        def build(_snap: object, i: int = i) -> bytes:
            built.append(i)
            return b"{}"

        state.recipes.put(where, Recipe(src, "BTCUSDT", ("x", i), build))
        for _ in range((i % 10 == 7 and 5) or 1):  # 7, 17, 27, 37, 47 are asked five times
            state.count_hit(where)
    state.prebuild("demo", "BTCUSDT", src.snapshot("BTCUSDT"))
    assert len(built) == 3 and set(built) <= {7, 17, 27, 37, 47}
    assert state.prebuilt == 3


def test_allowed_hosts_never_any() -> None:
    everywhere = allowed_hosts_for("0.0.0.0", ["dash.example"])
    assert "*" not in everywhere and "127.0.0.1" in everywhere and "dash.example" in everywhere
    assert socket.gethostname() in everywhere
    lan = allowed_hosts_for("192.168.1.20")
    assert lan[-1] == "192.168.1.20" and "evil.example" not in lan
    assert "*" not in allowed_hosts_for("0.0.0.0", ["*"])


def test_dns_rebinding_refused_on_an_every_interface_bind(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo_speed=0.0, allowed_hosts=allowed_hosts_for("0.0.0.0"))
    with serve(app) as s:
        bad = httpx.get(f"{s.url}/api/v1/health", headers={"Host": "evil.example"})
        good = httpx.get(f"{s.url}/api/v1/health")
    assert bad.status_code == 400 and good.status_code == 200


def test_token_is_required_when_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo_speed=0.0, token="s3cret-token")
    with serve(app) as s:
        assert httpx.get(f"{s.url}/api/v1/health").status_code == 401
        ok = httpx.get(f"{s.url}/api/v1/health", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        with httpx.Client(base_url=s.url) as c:
            first = c.get("/", params={"token": "s3cret-token"})
            assert first.status_code == 200 and "liqmap_token" in first.headers["set-cookie"]
            assert c.get("/api/v1/health").status_code == 200  # the cookie carries it now
        assert httpx.get(f"{s.url}/api/v1/health", params={"token": "wrong"}).status_code == 401


def test_slow_loris_sockets_are_closed_at_the_header_deadline(tmp_path: Path) -> None:
    """20 sockets (bounded, loopback only) send a header line a second and never finish: the
    server closes each after its 1 s header deadline, and serves others meanwhile."""
    app = make_app(tmp_path, demo_speed=0.0)
    with serve(app, header_timeout_s=1.0) as s:
        host_port = ("127.0.0.1", int(s.url.rsplit(":", 1)[1]))
        socks = [socket.create_connection(host_port, timeout=5) for _ in range(20)]
        time.sleep(1.5)
        for k in socks:
            k.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        start = time.monotonic()
        assert httpx.get(f"{s.url}/api/v1/health", timeout=5).status_code == 200
        closed = 0
        for k in socks:
            k.settimeout(2)
            try:
                k.sendall(b"X-Slow: 1\r\n")
                closed += k.recv(1) == b""  # the server closed it without an answer
            except TimeoutError:  # still open after 5 s: the server is holding it
                pass
            except OSError:  # reset by the server: closed as well
                closed += 1
            k.close()
        elapsed = time.monotonic() - start
    assert closed == 20, closed
    assert elapsed < 10
