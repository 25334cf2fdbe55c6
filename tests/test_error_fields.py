"""Errors carry the bad parameter (``field``) and value (``value``): callers such as the web API
report them without reading the message text (issue 15 item 6)."""

from __future__ import annotations

import pytest

from liqmap.core.margin import liquidation_price
from liqmap.domain.enums import Side, Venue
from liqmap.errors import DataFileError, InputError, LeverageError, ParameterError
from liqmap.io.brackets import default_table


def test_input_errors_default_to_no_field() -> None:
    e = ParameterError("bad")
    assert (e.field, e.value, str(e)) == (None, None, "bad")
    f = LeverageError("too high", field="leverage", value=500)
    assert (f.field, f.value, str(f)) == ("leverage", 500, "too high")


def test_data_file_errors_keep_their_column_as_the_field() -> None:
    e = DataFileError("not a number", path="a.csv", row=3, field="close")
    assert e.field == "close" and str(e) == "a.csv, row 3, field 'close': not a number"


TABLE = default_table(Venue.BINANCE, "BTCUSDT")


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"entry": -1.0, "leverage": 10, "notional": 1e4}, "entry_price", -1.0),
        ({"entry": 6e4, "leverage": 0.0, "notional": 1e4}, "leverage", 0.0),
        ({"entry": 6e4, "leverage": 500, "notional": 1e4}, "leverage", 500),
        ({"entry": 6e4, "leverage": 10, "notional": -5.0}, "notional", -5.0),
        ({"entry": 6e4, "leverage": 10, "quantity": 0.0}, "quantity", 0.0),
        ({"entry": 6e4, "leverage": 10, "notional": 1e13}, "notional", 1e13),
        ({"entry": 6e4, "leverage": 10, "notional": 1e4, "margin": -1.0}, "margin", -1.0),
        ({"entry": 6e4, "leverage": 10, "notional": 1e4, "margin": 1.0}, "margin", 1.0),
        ({"entry": 6e4, "leverage": 10}, "notional", None),
    ],
)
def test_liquidation_price_errors_name_the_parameter(
    kwargs: dict[str, float], field: str, value: float | None
) -> None:
    entry = kwargs.pop("entry")
    leverage = kwargs.pop("leverage")
    with pytest.raises(InputError) as info:
        liquidation_price(Venue.BINANCE, Side.LONG, entry, leverage, table=TABLE, **kwargs)
    assert info.value.field == field, str(info.value)
    assert info.value.value == value
