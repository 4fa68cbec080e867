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
            "code": "rc3_ioi_coupon",
            "discounts": [
                {"public_id": "d", "object": "2", "value": "10.00", "threshold_field": 1}
            ],
        },
        "recurring_coupon": None,
    }
    out = convert(schemas.OFFER_PROFILES, raw)
    discount = out["initial_coupon"]["discounts"][0]
    assert discount == {
        "public_id": "d",
        "object": 2,
        "value": Decimal("10.00"),
        "threshold_field": "1",
    }
    assert out["initial_coupon"]["code"] == "rc3_ioi_coupon"
    assert out["recurring_coupon"] is None


def test_unknown_fields_are_collected_with_their_path_at_any_depth():
    converter = RecordConverter("t", schemas.OFFER_PROFILES.to_dict(), ["public_id"], ZONE)
    converter(
        {
            "public_id": "op",
            "brand_new": 1,
            "initial_coupon": {"discounts": [{"public_id": "d", "has_condition": True}]},
            "recurring_coupon": {"public_id": "c", "stacking": "x"},
        }
    )
    assert converter.unknown_seen == {
        "brand_new",
        "initial_coupon.discounts[].has_condition",
        "recurring_coupon.stacking",
    }


def test_a_bad_value_in_a_deprecated_field_is_nulled_and_noted_never_fatal():
    converter = RecordConverter("t", schemas.PRODUCTS.to_dict(), ["external_product_id"], ZONE)
    out = converter({"external_product_id": "p", "premier_enabled": "sometimes", "price": "1.50"})
    assert out == {
        "external_product_id": "p",
        "premier_enabled": None,
        "price": Decimal("1.50"),
        "_extra_fields": {"premier_enabled": "sometimes"},
    }
    assert converter.deprecated_dropped == {"premier_enabled": "sometimes"}
    assert converter({"external_product_id": "q", "premier_enabled": 2})["premier_enabled"] == 2


def test_deprecated_iteration_and_sequence_are_documented_strings():
    sub = convert(schemas.SUBSCRIPTIONS, {"public_id": "s", "iteration": "3a", "sequence": 4})
    assert (sub["iteration"], sub["sequence"]) == ("3a", "4")


def test_objects_in_text_fields_keep_their_exact_numbers():
    raw = {"public_id": "r", "transaction_response": {"b": Decimal("27.580"), "a": "é"}}
    out = convert(schemas.PLACEMENT_RESPONSES, raw)
    assert out["transaction_response"] == '{"a":"é","b":27.580}'


def strict(schema, keys=("public_id",)):
    return RecordConverter("test", schema.to_dict(), list(keys), ZONE, strict=True)


def test_strict_values_stops_on_an_unconvertible_value_with_stream_key_and_field():
    with pytest.raises(OrdergrooveResponseError, match=r"'test'.*public_id='p9'.*'tries'"):
        strict(schemas.ORDERS)({"public_id": "p9", "tries": "many"})


def test_strict_values_names_the_nested_path():
    raw = {"public_id": "op", "recurring_coupon": {"discounts": [{"value": "ten"}]}}
    with pytest.raises(
        OrdergrooveResponseError, match=r"'recurring_coupon\.discounts\[0\]\.value'"
    ):
        strict(schemas.OFFER_PROFILES)(raw)


def test_strict_values_still_tolerates_deprecated_fields():
    out = strict(schemas.PRODUCTS, ("external_product_id",))(
        {"external_product_id": "p", "premier_enabled": "sometimes"}
    )
    assert out["premier_enabled"] is None
