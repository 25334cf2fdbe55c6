"""Rule evaluation on hand-built maps: each rule fires exactly when it should, boundaries included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from liqmap.alerts import (
    Alert,
    AlertConfigError,
    AlertEngine,
    ClusterChangeRule,
    ClusterProximityRule,
    LiquidationsRule,
)

T0 = 1_767_225_600_000
MIN = 60_000
LEV = (5.0, 10.0, 25.0, 50.0, 100.0)
BTC = ("BTCUSDT",)


def near(**kw: Any) -> ClusterProximityRule:
    args: dict[str, Any] = {"name": "near", "symbols": BTC, "within_pct": 1.0, "min_usd": 1e6}
    return ClusterProximityRule(**(args | kw))


def change(**kw: Any) -> ClusterChangeRule:
    args: dict[str, Any] = {"name": "chg", "symbols": BTC, "change_pct": 25.0}
    return ClusterChangeRule(**(args | kw))


def liqs(**kw: Any) -> LiquidationsRule:
    args: dict[str, Any] = {"name": "liq", "symbols": BTC, "min_usd": 1e6, "minutes": 15}
    return LiquidationsRule(**(args | kw))


# --- cluster_proximity ------------------------------------------------------------------------


def test_proximity_fires_at_the_boundary_and_not_beyond(make_map: Any) -> None:
    engine = AlertEngine([near(side="long")])
    assert engine.evaluate(make_map([("long", 99.0, 2e6)])), "exactly 1.00 % away fires"
    assert not engine.evaluate(make_map([("long", 98.99, 2e6)])), "1.01 % away does not"
    (a,) = engine.evaluate(make_map([("long", 99.5, 2e6)], as_of_ms=T0 + MIN))
    assert a.rule == "near" and a.symbol == "BTCUSDT" and a.kind == "cluster_proximity"
    assert a.ts_ms == T0 + MIN, "now_ms defaults to the map's as_of_ms"
    assert a.values["cluster_usd"] == 2e6 and a.values["distance_pct"] == pytest.approx(-0.5)
    assert a.message == (
        "BTCUSDT: a $2.0M long-liquidation cluster at 99.500 is 0.50% below the price 100.00 "
        "(rule 'near': within 1% of at least $1.0M)"
    )
    assert a.dedup_key == "near:BTCUSDT:cluster_proximity:long"
    assert a.cooldown_ms == 15 * MIN


def test_proximity_size_threshold_is_at_least(make_map: Any) -> None:
    engine = AlertEngine([near()])
    assert engine.evaluate(make_map([("short", 100.5, 1e6)])), "exactly $1M fires"
    assert not engine.evaluate(make_map([("short", 100.5, 999_999.0)]))


def test_proximity_side_filter_and_any(make_map: Any) -> None:
    m = make_map([("long", 99.5, 2e6), ("short", 100.8, 3e6)])
    assert [a.values["side"] for a in AlertEngine([near(side="short")]).evaluate(m)] == ["short"]
    assert [a.values["side"] for a in AlertEngine([near(side="long")]).evaluate(m)] == ["long"]
    both = AlertEngine([near(side="any")]).evaluate(m)
    assert [a.values["side"] for a in both] == ["long", "short"]
    assert len({a.dedup_key for a in both}) == 2
    assert "above the price" in both[1].message


def test_proximity_picks_the_nearest_qualifying_cluster(make_map: Any) -> None:
    m = make_map([("long", 99.2, 5e6), ("long", 99.7, 0.5e6), ("long", 99.6, 1.5e6)])
    (a,) = AlertEngine([near(side="long")]).evaluate(m)
    assert a.values["cluster_price"] == 99.6, "the $0.5M one is too small, 99.6 is nearer than 99.2"


def test_proximity_counts_only_the_rule_tiers(make_map: Any) -> None:
    # tiers (5, 10, 25, 50, 100): $1.8M in total but only $0.6M at 50x + 100x
    m = make_map([("long", 99.5, [0.4e6, 0.4e6, 0.4e6, 0.3e6, 0.3e6])])
    assert AlertEngine([near()]).evaluate(m)
    assert not AlertEngine([near(tiers=(50.0, 100.0))]).evaluate(m)
    (a,) = AlertEngine([near(tiers=(50.0, 100.0), min_usd=0.6e6)]).evaluate(m)
    assert a.values["cluster_usd"] == pytest.approx(0.6e6) and a.values["tiers"] == "50x+100x"
    assert "(50x+100x)" in a.message


def test_tiers_missing_from_the_map_name_rule_and_field(make_map: Any) -> None:
    with pytest.raises(AlertConfigError, match=r"rule 'near', field 'tiers': tier 200x is not"):
        AlertEngine([near(tiers=(200.0,))]).evaluate(make_map([("long", 99.5, 2e6)]))


def test_quiet_and_skipped_outcomes_say_why(make_map: Any) -> None:
    engine = AlertEngine([near(side="long"), near(name="eth", symbols=("ETHUSDT",)), liqs()])
    outcomes = engine.evaluate_detailed(make_map([("long", 97.0, 2e6)]))
    assert [o.status for o in outcomes] == ["quiet", "skipped", "skipped"]
    assert outcomes[0].detail == (
        "nearest long cluster of at least $1.0M is 3.00% away (needs within 1%)"
    )
    assert outcomes[1].detail == "watches ETHUSDT, not BTCUSDT"
    assert "no observed liquidation events" in outcomes[2].detail
    assert (
        "no short cluster"
        in AlertEngine([near(side="short")])
        .evaluate_detailed(make_map([("long", 97.0, 2e6)]))[0]
        .detail
    )


# --- cluster_change ---------------------------------------------------------------------------


def _two(engine: AlertEngine, make_map: Any, before: list[Any], after: list[Any]) -> list[Alert]:
    assert engine.evaluate(make_map(before, as_of_ms=T0)) == []
    return engine.evaluate(make_map(after, as_of_ms=T0 + 10 * MIN))


def test_change_needs_a_previous_evaluation(make_map: Any) -> None:
    engine = AlertEngine([change()])
    (o,) = engine.evaluate_detailed(make_map([("long", 95.0, 1e6)]))
    assert o.status == "skipped" and "baseline" in o.detail


@pytest.mark.parametrize(("after", "fires"), [(1.25e6, True), (1.2499e6, False), (0.75e6, True),
                                              (0.7501e6, False)])  # fmt: skip
def test_change_threshold_is_inclusive(make_map: Any, after: float, fires: bool) -> None:
    alerts = _two(AlertEngine([change()]), make_map, [("long", 95.0, 1e6)], [("long", 95.0, after)])
    assert bool(alerts) is fires


def test_change_message_values_and_direction(make_map: Any) -> None:
    (a,) = _two(AlertEngine([change()]), make_map, [("short", 105.0, 2e6)], [("short", 105.2, 3e6)])
    assert a.kind == "cluster_change"
    assert a.message == (
        "BTCUSDT: the short-liquidation cluster at 105.20 grew 50.0% from $2.0M to $3.0M since "
        "the previous evaluation 10m ago (rule 'chg': change of at least 25%)"
    )
    assert a.values["change_pct"] == pytest.approx(50.0)
    assert a.values["previous_usd"] == 2e6 and a.values["previous_ts_ms"] == T0
    assert a.dedup_key == "chg:BTCUSDT:cluster_change:short:105:grow"
    grow_only = AlertEngine([change(direction="grow")])
    assert not _two(grow_only, make_map, [("long", 95.0, 2e6)], [("long", 95.0, 1e6)])
    shrink_only = AlertEngine([change(direction="shrink")])
    assert not _two(shrink_only, make_map, [("long", 95.0, 1e6)], [("long", 95.0, 2e6)])
    (s,) = _two(shrink_only, make_map, [("long", 95.0, 2e6)], [("long", 95.0, 1e6)])
    assert "shrank 50.0% from $2.0M to $1.0M" in s.message and s.dedup_key.endswith(":shrink")


def test_change_matches_by_side_and_price_proximity(make_map: Any) -> None:
    rule = change(match_pct=0.5)
    # moved 0.4 %: the same cluster, grew 100 %
    assert _two(AlertEngine([rule]), make_map, [("long", 95.0, 1e6)], [("long", 95.38, 2e6)])
    # moved 0.6 %: a different cluster (no pair, no change)
    assert not _two(AlertEngine([rule]), make_map, [("long", 95.0, 1e6)], [("long", 95.57, 2e6)])
    # same price, other side: never matched
    assert not _two(AlertEngine([rule]), make_map, [("long", 95.0, 1e6)], [("short", 95.0, 2e6)])


def test_change_matching_is_one_to_one_closest_first(make_map: Any) -> None:
    engine = AlertEngine([change(match_pct=1.0, change_pct=10.0)])
    before = [("long", 95.0, 1e6), ("long", 95.5, 4e6)]
    after = [("long", 95.4, 4e6)]  # closest to 95.5 (unchanged), so 95.0 stays unmatched
    engine.evaluate(make_map(before))
    (o,) = engine.evaluate_detailed(make_map(after))
    assert o.status == "quiet" and o.detail.startswith("1 cluster(s) matched; largest change 0.0%")


def test_change_min_usd_and_vanished(make_map: Any) -> None:
    small = AlertEngine([change(min_usd=5e6)])
    assert not _two(small, make_map, [("long", 95.0, 1e6)], [("long", 95.0, 4e6)])
    assert _two(small, make_map, [("long", 95.0, 1e6)], [("long", 95.0, 5e6)]), "new size counts"
    assert not _two(AlertEngine([change()]), make_map, [("long", 95.0, 1e6)], [])
    (gone,) = _two(
        AlertEngine([change(include_vanished=True)]), make_map, [("long", 95.0, 1e6)], []
    )
    assert (
        gone.values["change_pct"] == -100.0 and "no longer among the map's clusters" in gone.message
    )


def test_change_identity_follows_a_drifting_cluster(make_map: Any) -> None:
    engine = AlertEngine([change(change_pct=10.0)])
    keys = []
    for i, (price, usd) in enumerate([(95.0, 1e6), (95.3, 1.5e6), (95.6, 2.25e6), (95.9, 3.4e6)]):
        keys += [
            a.dedup_key
            for a in engine.evaluate(make_map([("long", price, usd)], as_of_ms=T0 + i * MIN))
        ]
    assert keys == ["chg:BTCUSDT:cluster_change:long:95:grow"] * 3, "anchored at first sighting"


def test_change_state_is_per_symbol_and_per_stream(make_map: Any) -> None:
    engine = AlertEngine([change(symbols=("*",))])
    engine.evaluate(make_map([("long", 95.0, 1e6)]))
    engine.evaluate(make_map([("long", 95.0, 9e6)], symbol="ETHUSDT"))  # its own baseline
    (a,) = engine.evaluate(make_map([("long", 95.0, 2e6)], as_of_ms=T0 + MIN))
    assert a.symbol == "BTCUSDT" and a.values["previous_usd"] == 1e6
    assert engine.evaluate(make_map([("long", 95.0, 1e6)], as_of_ms=T0), stream="demo") == []
    (d,) = engine.evaluate(make_map([("long", 95.0, 3e6)], as_of_ms=T0 + MIN), stream="demo")
    assert d.dedup_key.startswith("demo/chg:BTCUSDT") and d.values["previous_usd"] == 1e6
    engine.reset("btcusdt")
    assert engine.evaluate(make_map([("long", 95.0, 9e6)], as_of_ms=T0 + 2 * MIN)) == []


def test_failed_evaluation_keeps_the_previous_state(make_map: Any) -> None:
    engine = AlertEngine([change(), near(tiers=(200.0,))])
    with_200 = (*LEV, 200.0)
    assert engine.evaluate(make_map([("long", 90.0, 1e6)], leverages=with_200)) == []
    with pytest.raises(AlertConfigError):  # no 200x tier on this map
        engine.evaluate(make_map([("long", 90.0, 5e6)], as_of_ms=T0 + MIN))
    # compared with the first map (+10 %), not with the failed one (-78 %)
    (o, _) = engine.evaluate_detailed(
        make_map([("long", 90.0, 1.1e6)], as_of_ms=T0 + 2 * MIN, leverages=with_200)
    )
    assert o.status == "quiet" and "largest change 10.0%" in o.detail


# --- liquidations -----------------------------------------------------------------------------


def test_liquidations_more_than_is_strict(make_map: Any, make_events: Any) -> None:
    m = make_map([], as_of_ms=T0)
    engine = AlertEngine([liqs()])
    assert not engine.evaluate(m, make_events([(T0 - MIN, 1, 0.6e6), (T0 - 2 * MIN, -1, 0.4e6)]))
    (a,) = engine.evaluate(m, make_events([(T0 - MIN, 1, 0.6e6), (T0 - 2 * MIN, -1, 0.41e6)]))
    assert a.values["usd"] == pytest.approx(1.01e6) and a.values["events"] == 2
    assert a.message == (
        "BTCUSDT: $1.0M of long and short liquidations (2 event(s)) in the last 15 min, more "
        "than $1.0M (rule 'liq')"
    )
    assert a.dedup_key == "liq:BTCUSDT:liquidations:total"


def test_liquidation_window_bounds(make_map: Any, make_events: Any) -> None:
    m = make_map([], as_of_ms=T0)
    engine = AlertEngine([liqs(min_usd=0.0)])
    edge = T0 - 15 * MIN
    assert not engine.evaluate(m, make_events([(edge, 1, 5e6)])), "exactly N minutes ago: out"
    assert engine.evaluate(m, make_events([(edge + 1, 1, 5e6)])), "just inside: in"
    assert engine.evaluate(m, make_events([(T0, 1, 5e6)])), "at now: in"
    assert not engine.evaluate(m, make_events([(T0 + 1, 1, 5e6)])), "after now: out"
    assert engine.evaluate(m, make_events([(T0 + 1, 1, 5e6)]), now_ms=T0 + 1), "explicit now_ms"


def test_liquidations_per_side(make_map: Any, make_events: Any) -> None:
    m = make_map([], as_of_ms=T0)
    ev = make_events([(T0 - MIN, 1, 2e6), (T0 - MIN, -1, 0.5e6), (T0 - 3 * MIN, -1, 0.7e6)])
    assert [a.values["side"] for a in AlertEngine([liqs(side="any")]).evaluate(m, ev)] == [
        "long", "short",
    ]  # fmt: skip
    assert [a.values["side"] for a in AlertEngine([liqs(side="long")]).evaluate(m, ev)] == ["long"]
    (s,) = AlertEngine([liqs(side="short")]).evaluate(m, ev)
    assert s.values["usd"] == pytest.approx(1.2e6) and s.values["events"] == 2
    assert not AlertEngine([liqs(side="short", min_usd=1.2e6)]).evaluate(m, ev)


# --- the engine as a whole --------------------------------------------------------------------


def test_deterministic_and_in_rule_order(make_map: Any, make_events: Any) -> None:
    rules = [liqs(min_usd=0.0), change(change_pct=1.0), near(side="any")]
    maps = [make_map([("long", 99.5, 2e6 + i * 1e5), ("short", 100.5, 3e6)], as_of_ms=T0 + i * MIN)
            for i in range(4)]  # fmt: skip
    ev = make_events([(T0 + i * 20_000, 1 if i % 2 else -1, 1e5 * (i + 1)) for i in range(12)])
    runs = []
    for _ in range(2):
        engine = AlertEngine(rules)
        runs.append([engine.evaluate(m, ev) for m in maps])
    assert runs[0] == runs[1]
    assert [a.rule for a in runs[0][1]] == ["liq", "chg", "near", "near"]


def test_alert_record(make_map: Any) -> None:
    (a,) = AlertEngine([near(side="long")]).evaluate(make_map([("long", 99.5, 2e6)]))
    with pytest.raises(TypeError):
        a.values["side"] = "short"  # type: ignore[index]
    d = json.loads(a.to_json())
    assert d == a.to_dict()
    assert d["schema"] == "liqmap.alert/1" and d["ts"] == "2026-01-01T00:00:00Z"
    assert d["text"] == d["message"] and d["idempotency_key"] == a.idempotency_key
    assert len(a.idempotency_key) == 32 and hash(a) == hash(a)
    later = Alert(a.rule, a.symbol, a.kind, a.message, a.values, a.ts_ms + 1, a.dedup_key)
    assert later.idempotency_key != a.idempotency_key


def test_duplicate_rule_names_rejected() -> None:
    with pytest.raises(AlertConfigError, match="used twice: near"):
        AlertEngine([near(), near()])


def test_on_a_real_demo_map() -> None:
    import liqmap

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2)
    m = liqmap.estimate_map(data, window="24h")
    engine = AlertEngine([near(within_pct=50.0, min_usd=0.0), liqs(min_usd=0.0, minutes=1440)])
    alerts = engine.evaluate(m, data.liquidations)
    assert {a.kind for a in alerts} == {"cluster_proximity", "liquidations"}
    for a in alerts:
        json.loads(a.to_json())
