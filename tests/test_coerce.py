"""Loose Ordergroove values converted to one clean type per field."""

from decimal import Decimal

import pytest

from tap_ordergroove import schemas
from tap_ordergroove.coerce import RecordConverter
from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.timezones import OrdergrooveZone

ZONE = OrdergrooveZone("America/Chicago")


def convert(schema, raw, keys=("public_id",)):
    return RecordConverter("test", schema.to_dict(), list(keys), ZONE)(raw)


def test_order_fields_are_converted():
    raw = {
        "public_id": "p1",
        "sub_total": "77.94",
        "total": 12,
        "tax_total": None,
        "created": "2023-07-19 09:06:06",
        "cancelled": None,
        "status": "1",
        "type": 2,
        "live": "True",
        "locked": "False",
        "extra_data": '{"gift": true}',
        "rejected_message": '{"code": "x"}',
    }
    out = convert(schemas.ORDERS, raw)
    assert out["sub_total"] == Decimal("77.94")
    assert isinstance(out["sub_total"], Decimal)
    assert out["total"] == Decimal(12)
    assert out["tax_total"] is None
    assert out["created"] == "2023-07-19T14:06:06+00:00"
    assert out["cancelled"] is None
    assert out["status"] == 1
    assert out["type"] == "2"
    assert out["locked"] is False
    assert out["extra_data"] == {"gift": True}
    assert out["rejected_message"] == '{"code": "x"}'
    assert "live" not in out  # not an order field: collected, not emitted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1}, {"a": 1}),
        ('{"a": 1}', {"a": 1}),
        (None, None),
        ("", None),
        ("not json", {"value": "not json"}),
        ("[1, 2]", {"value": [1, 2]}),
    ],
)
def test_extra_data_is_always_an_object(value, expected):
    assert (
        convert(schemas.ORDERS, {"public_id": "p", "extra_data": value})["extra_data"] == expected
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sku1,sku2", [{"product": "sku1"}, {"product": "sku2"}]),
        ("", []),
        ([], []),
        (
            [{"public_id": "c1", "quantity": "2", "product": "sku1"}],
            [{"public_id": "c1", "quantity": 2, "product": "sku1"}],
        ),
    ],
)
def test_components_are_always_a_list_of_objects(value, expected):
    assert convert(schemas.ITEMS, {"public_id": "i", "components": value})["components"] == expected


def test_codes_that_flip_are_strings():
    sub = convert(schemas.SUBSCRIPTIONS, {"public_id": "s", "cancel_reason_code": 7})
    assert sub["cancel_reason_code"] == "7"


def test_nested_coupon_discounts_keep_structure_and_exact_money():
    raw = {
        "public_id": "op",
        "initial_coupon": {
            "public_id": "c",
            "name": "10% off",
            "discounts": [{"public_id": "d", "value": "10.00", "minimum_amount": None}],
        },
        "recurring_coupon": None,
    }
    out = convert(schemas.OFFER_PROFILES, raw)
    assert out["initial_coupon"]["discounts"][0]["value"] == Decimal("10.00")
    assert out["recurring_coupon"] is None


def test_unconvertible_value_stops_with_stream_key_and_field():
    with pytest.raises(OrdergrooveResponseError, match=r"'test'.*public_id='p9'.*'tries'"):
        convert(schemas.ORDERS, {"public_id": "p9", "tries": "many"})
