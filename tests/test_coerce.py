"""Loose Ordergroove values converted to one clean type per field."""

from decimal import Decimal

import pytest

from tap_ordergroove.coerce import RecordConverter
from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.rest import schemas
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


def test_a_list_field_documented_as_an_object_accepts_object_empty_object_and_null():
    converter = RecordConverter("t", schemas.OFFER_PROFILES.to_dict(), ["public_id"], ZONE)
    one = {"public_id": "d", "value": "1.50", "threshold_field": 3}
    out = converter(
        {
            "public_id": "op",
            "initial_coupon": {"discounts": one, "standard_flex_incentives": {"a": 1}},
            "recurring_coupon": {"discounts": {}, "standard_flex_incentives": None},
        }
    )
    assert out["initial_coupon"]["discounts"] == [
        {"public_id": "d", "value": Decimal("1.50"), "threshold_field": "3"}
    ]
    assert out["initial_coupon"]["standard_flex_incentives"] == [{"a": 1}]
    assert out["recurring_coupon"] == {"discounts": [], "standard_flex_incentives": None}
    assert converter.forms == {
        ("initial_coupon", "object"): 1,
        ("recurring_coupon", "object"): 1,
        ("initial_coupon.discounts", "object"): 1,
        ("initial_coupon.discounts[]", "object"): 1,
        ("initial_coupon.standard_flex_incentives", "object"): 1,
        ("recurring_coupon.discounts", "empty object"): 1,
    }
    assert "recurring_coupon.discounts (empty object 1)" in converter.summary()


def test_an_object_field_sent_as_a_list_is_accepted_and_counted():
    converter = RecordConverter("t", schemas.OFFER_PROFILES.to_dict(), ["public_id"], ZONE)
    out = converter({"public_id": "op", "initial_coupon": [{"code": "x"}], "recurring_coupon": []})
    assert (out["initial_coupon"], out["recurring_coupon"]) == ({"code": "x"}, {})
    assert "initial_coupon (list 1)" in converter.summary()
    two = converter({"public_id": "op2", "initial_coupon": [{"code": "x"}, {"code": "y"}]})
    assert two["initial_coupon"] is None  # two objects do not fit one: quarantined, kept
    assert two["_extra_fields"] == {"initial_coupon": [{"code": "x"}, {"code": "y"}]}


def test_unknown_fields_are_kept_under_their_path_with_indices():
    out = convert(
        schemas.OFFER_PROFILES,
        {
            "public_id": "op",
            "new_top": {"a": [1]},
            "recurring_coupon": {"discounts": [{}, {"public_id": "d", "new_flag": True}]},
        },
    )
    assert out["_extra_fields"] == {
        "new_top": {"a": [1]},
        "recurring_coupon.discounts[1].new_flag": True,
    }
    assert out["recurring_coupon"]["discounts"][1] == {"public_id": "d"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("start_date", "2017-02-29"), ("cancelled", "2017-02-29 12:00:00"), ("cancelled", "null")],
)
def test_impossible_dates_are_quarantined_not_passed_on(field, value):
    out = convert(schemas.SUBSCRIPTIONS, {"public_id": "s", field: value})
    assert out[field] is None
    assert out["_extra_fields"] == {field: value}


def test_a_key_field_that_does_not_convert_still_stops_a_row_without_key_cannot_merge():
    with pytest.raises(OrdergrooveResponseError, match=r"'cancel_reason'.*key field"):
        convert(
            schemas.MERCHANT_CANCEL_REASONS,
            {"cancel_reason": "abc", "application": "x"},
            keys=("cancel_reason", "application"),
        )


def test_a_discounts_value_that_is_no_list_or_object_is_named_by_its_own_path():
    raw = {"public_id": "op", "recurring_coupon": {"discounts": 5}}
    with pytest.raises(OrdergrooveResponseError, match=r"field 'recurring_coupon\.discounts':"):
        strict(schemas.OFFER_PROFILES)(raw)
    out = convert(schemas.OFFER_PROFILES, raw)
    assert out["recurring_coupon"] == {"discounts": None}
    assert out["_extra_fields"] == {"recurring_coupon.discounts": 5}
