"""The dashboard fan-out: every subscriber gets every new alert, in order, from any thread."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from liqmap.alerts import Alert, AlertBus, CooldownGate

T0 = 1_767_225_600_000
MIN = 60_000


def alert(i: int, key: str | None = None, cooldown_ms: int = 0) -> Alert:
    return Alert(
        rule="r", symbol="BTCUSDT", kind="liquidations", message=f"alert {i}", values={"i": i},
        ts_ms=T0 + i, dedup_key=key or f"k{i}", cooldown_ms=cooldown_ms,
    )  # fmt: skip


async def take(sub: object, n: int) -> list[Alert]:
    it = aiter(sub)  # type: ignore[call-overload]
    return [await asyncio.wait_for(anext(it), 1.0) for _ in range(n)]


@pytest.mark.asyncio
async def test_fan_out_in_order_to_every_subscriber() -> None:
    bus = AlertBus()
    a, b = bus.subscribe(), bus.subscribe()
    assert bus.subscribers == 2
    for i in range(3):
        assert bus.publish(alert(i))
    assert [x.message for x in await take(a, 3)] == ["alert 0", "alert 1", "alert 2"]
    assert [x.message for x in await take(b, 3)] == ["alert 0", "alert 1", "alert 2"]


@pytest.mark.asyncio
async def test_subscriber_waiting_is_woken() -> None:
    bus = AlertBus()
    sub = bus.subscribe()
    waiter = asyncio.create_task(take(sub, 1))
    await asyncio.sleep(0.01)
    bus.publish(alert(7))
    assert (await waiter)[0].message == "alert 7"


@pytest.mark.asyncio
async def test_publish_from_another_thread() -> None:
    bus = AlertBus()
    sub = bus.subscribe()
    waiter = asyncio.create_task(take(sub, 5))
    await asyncio.sleep(0.01)
    t = threading.Thread(target=lambda: [bus.publish(alert(i)) for i in range(5)])
    t.start()
    got = await waiter
    t.join()
    assert [x.values["i"] for x in got] == [0, 1, 2, 3, 4]


@pytest.mark.asyncio
async def test_deduplicates_within_the_cooldown_unless_disabled() -> None:
    bus, raw = AlertBus(), AlertBus(dedup=False)
    sub = bus.subscribe()
    same = [alert(0, key="k", cooldown_ms=MIN), alert(1, key="k", cooldown_ms=MIN)]
    assert [bus.publish(x) for x in same] == [True, False]
    assert [raw.publish(x) for x in same] == [True, True]
    later = alert(MIN, key="k", cooldown_ms=MIN)
    assert bus.publish(later)
    assert [x.values["i"] for x in await take(sub, 2)] == [0, MIN]


@pytest.mark.asyncio
async def test_slow_subscriber_drops_its_oldest() -> None:
    bus = AlertBus(maxsize=3)
    slow = bus.subscribe()
    for i in range(5):
        bus.publish(alert(i))
    assert slow.dropped == 2
    assert [x.values["i"] for x in await take(slow, 3)] == [2, 3, 4]


@pytest.mark.asyncio
async def test_close_ends_iteration_after_buffered_alerts() -> None:
    bus = AlertBus()
    sub = bus.subscribe()
    bus.publish(alert(1))
    bus.close()
    assert [x.values["i"] async for x in sub] == [1]
    assert not bus.publish(alert(2)), "a closed bus ignores publishes"
    assert [x async for x in bus.subscribe()] == []


@pytest.mark.asyncio
async def test_subscription_close_and_context_manager() -> None:
    bus = AlertBus()
    async with bus.subscribe() as sub:
        bus.publish(alert(1))
        assert (await take(sub, 1))[0].values["i"] == 1
    assert sub.closed and bus.subscribers == 0
    other = bus.subscribe()
    waiter = asyncio.create_task(take(other, 1))
    await asyncio.sleep(0.01)
    other.close()
    with pytest.raises(StopAsyncIteration):
        await waiter


@pytest.mark.asyncio
async def test_replay_and_recent() -> None:
    bus = AlertBus(history=2)
    for i in range(3):
        bus.publish(alert(i))
    assert [x.values["i"] for x in bus.recent()] == [1, 2]
    fresh = bus.subscribe(replay=True)
    bus.publish(alert(3))
    assert [x.values["i"] for x in await take(fresh, 3)] == [1, 2, 3]
    assert [x.values["i"] for x in await take(bus.subscribe(), 0)] == []


def test_abandoned_subscriptions_are_forgotten() -> None:
    bus = AlertBus()
    sub = bus.subscribe()
    assert bus.subscribers == 1
    del sub
    gc.collect()
    assert bus.subscribers == 0
    with pytest.raises(ValueError, match="maxsize"):
        AlertBus(maxsize=0)


def test_gate_forgets_only_its_own_record() -> None:
    gate = CooldownGate()
    first, second = alert(0, key="k", cooldown_ms=MIN), alert(MIN, key="k", cooldown_ms=MIN)
    assert gate.admit(first) and gate.is_duplicate(alert(5, key="k", cooldown_ms=MIN))
    gate.forget(second)  # not the recorded one: no effect
    assert not gate.admit(alert(5, key="k", cooldown_ms=MIN))
    gate.forget(first)
    assert gate.admit(alert(5, key="k", cooldown_ms=MIN)) and len(gate) == 1
