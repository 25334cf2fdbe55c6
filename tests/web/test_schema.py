"""Contract tests: schemathesis generates requests from the OpenAPI schema of a real server.

Every operation but the event stream (it never ends) gets at most 50 generated requests per
mode: valid ones (positive) and invalid ones (negative). None may fail with a server error;
status codes, content types and bodies must be the documented ones; invalid input must be
rejected with a 4xx. (Driven through schemathesis' strategies: its pytest plugin's lazy
fixtures do not run on this pytest version.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

WITH_PARAMETERS = [
    "GET /api/v1/map",
    "GET /api/v1/levels",
    "GET /api/v1/heatmap",
    "GET /api/v1/figures/map",
    "GET /api/v1/figures/heatmap",
    "GET /api/v1/liqprice",
    "GET /api/v1/cascade",
    "GET /api/v1/plan",
    "GET /api/v1/figures/cascade",
    "GET /api/v1/figures/plan",
    "GET /api/v1/scan",
]
OPERATIONS = [*WITH_PARAMETERS, "GET /api/v1/symbols", "GET /api/v1/health"]
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(api_server: str) -> Any:
    return schemathesis.openapi.from_url(f"{api_server}/openapi.json")


def test_schema_lists_the_operations(api_schema: Any) -> None:
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    assert labels == {*OPERATIONS, "GET /api/v1/events"}


CASES = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    (label, GenerationMode.NEGATIVE) for label in WITH_PARAMETERS
]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{lb}-{m.value}" for lb, m in CASES])
def test_api_contract(api_schema: Any, label: str, mode: GenerationMode) -> None:
    operation = api_schema.find_operation_by_label(label)
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else [
        not_a_server_error, negative_data_rejection, content_type_conformance,
    ]  # fmt: skip

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=checks, timeout=60)

    run()


PINNED = [
    "GET /api/v1/cascade",
    "GET /api/v1/plan",
    "GET /api/v1/figures/cascade",
    "GET /api/v1/figures/plan",
]


def _on_the_demo_market(case: schemathesis.Case) -> schemathesis.Case:
    """Generated values on the served data, so the cascade and the plan themselves run: a
    served symbol; no ``at`` or ``leverage`` and only listed windows and depth models (random
    ones are nearly always outside the data, not a mix or unknown); a cascade gets a shock or
    an order, not both."""
    query = dict(case.query or {})
    query.update(symbol="BTCUSDT", source="demo")
    for name in ("at", "leverage"):
        query.pop(name, None)
    if query.get("window") not in ("12h", "24h", "3d", "7d", "30d"):
        query.pop("window", None)
    if query.get("depth_model") not in ("btc", "eth", "power:100M,1", "power:20M,0.8"):
        query.pop("depth_model", None)
    if "shock" in query and "order_usd" in query:
        del query["order_usd"]
    if "cascade" in case.operation.label and "order_usd" not in query:
        query.setdefault("shock", -2.0)
    case.query = query
    return case


@pytest.mark.parametrize("label", PINNED)
def test_cascade_and_plan_contract_on_served_data(api_schema: Any, label: str) -> None:
    operation = api_schema.find_operation_by_label(label)
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)

    @given(strategy.map(_on_the_demo_market))
    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=POSITIVE_CHECKS, timeout=60)

    run()
