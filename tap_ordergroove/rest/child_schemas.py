"""Schemas of the child tables: one row per element of an array field of a parent object.

Every child table starts with the same four columns, so one SQL condition finds the
current children of every table (see docs/child-tables.md):

- the parent's key (``subscription``, ``item``, ``offer_profile``, ``external_product_id``);
- ``child_key``: the element's own stable key, its ``public_id`` where it has one, else
  its natural key (the product of a legacy component string, a group's type and name, an
  offer id), else its position;
- ``position``: the element's 0-based index in the parent's array;
- the parent's update time (``subscription_updated``, ...): a parent that changes in any
  way re-sends all its children with the new value, so a child row whose value is older
  than its parent's is one the parent no longer has.

Element fields follow Ordergroove's documented shapes (URLs beside each); the fake API
and the tap's parent schemas are not consulted, so a parent field the parent table does
not declare yet still fills its child table. Where a child column repeats a parent field,
both have the same type. Every child table ends with ``_extra_fields``: element fields
the table does not know and values that did not fit, keyed by their path inside the
element (docs/data-fidelity.md).
"""

from __future__ import annotations

from singer_sdk import typing as th

from tap_ordergroove.rest.schemas import EXTRA_FIELDS_PROPERTY

ID = th.StringType
TIMESTAMP = th.DateTimeType

CHILD_KEY = th.Property(
    "child_key",
    th.StringType,
    required=True,
    description="The element's own key: its public_id, else its natural key, else its position",
)
POSITION = th.Property(
    "position", th.IntegerType, description="0-based index in the parent's array"
)


def child_schema(
    parent_column: str, stamp_column: str, *fields: th.Property, keys: tuple[str, ...] = ()
) -> dict:
    """Parent key, ``child_key``, position, the parent's update time, then the element fields.

    ``keys`` are extra key columns between the parent key and ``child_key`` (which coupon
    a discount belongs to, which selection rule an element belongs to).
    """
    return th.PropertiesList(
        th.Property(parent_column, ID, required=True),
        *(th.Property(key, th.StringType, required=True) for key in keys),
        CHILD_KEY,
        POSITION,
        th.Property(
            stamp_column,
            TIMESTAMP,
            description="The parent's update time when this row was read; current children "
            "carry the same value as their parent row",
        ),
        *fields,
        EXTRA_FIELDS_PROPERTY,
    ).to_dict()


# Components of bundle subscriptions and items: {public_id, quantity, product}, or the legacy
# comma string of product ids (https://developer.ordergroove.com/advanced/bundle-api).
COMPONENT_FIELDS = (
    th.Property("public_id", ID),
    th.Property("product", ID),
    th.Property("quantity", th.IntegerType),
)

SUBSCRIPTION_COMPONENTS = child_schema("subscription", "subscription_updated", *COMPONENT_FIELDS)
ITEM_COMPONENTS = child_schema("item", "item_order_updated", *COMPONENT_FIELDS)

# Grantees of a (gifted / digital) subscription; GraphQL GranteeType has externalId and name
# (https://developer.ordergroove.com/page/graphql-type-GranteeType).
SUBSCRIPTION_GRANTEES = child_schema(
    "subscription",
    "subscription_updated",
    th.Property("external_id", th.StringType),
    th.Property("name", th.StringType),
)

# Offer profiles: `offers` is a list of offer ids; each coupon has `discounts` {public_id,
# name, object, type, value, threshold_field, threshold_value}, typed "object" (example
# `{}` or null) and seen as a list: both give one row per discount
# (https://developer.ordergroove.com/reference/offer-profile-list). `field` is GraphQL's
# (DiscountIncentiveType). `threshold_field` is an integer in REST and a String in
# GraphQL: text, as in the parent's column; `value` / `threshold_value` are decimal
# strings ("100", "50"): numbers, as in the parent's column.
OFFER_PROFILE_OFFERS = child_schema(
    "offer_profile", "offer_profile_updated", th.Property("offer", ID)
)

OFFER_PROFILE_COUPON_DISCOUNTS = child_schema(
    "offer_profile",
    "offer_profile_updated",
    th.Property("coupon_public_id", ID),
    th.Property("coupon_code", th.StringType),
    th.Property("coupon_name", th.StringType),
    th.Property("public_id", ID),
    th.Property("name", th.StringType),
    th.Property("object", th.IntegerType),
    th.Property("field", th.StringType),
    th.Property("type", th.StringType),
    th.Property("value", th.DecimalType),
    th.Property("threshold_field", th.StringType, description="int in REST, String in GraphQL"),
    th.Property("threshold_value", th.DecimalType),
    keys=("coupon",),
)

# Products: `groups` [{name, group_type}] (product list reference).
PRODUCT_GROUP_MEMBERSHIPS = child_schema(
    "external_product_id",
    "product_last_update",
    th.Property("group_type", th.StringType),
    th.Property("name", th.StringType),
)

# Rotating products, with `include_product_selection_rules=true`: a
# `product_selection_rules` list "with all selection_list_elements"
# (https://developer.ordergroove.com/reference/rest-rpc-api/products/retrieve); a rule is
# {public_id, selection_rule_type, product_selection_list_elements, configuration}
# (.../products/manage-time-window-rotating-product); an ordinal element is {public_id,
# product, starting_ordinal} (https://developer.ordergroove.com/advanced/ordinal-rotating),
# a time-window element {public_id, product, starting_date} (products list and retrieve
# pages, "Time window" example: "starting_date":"2024-05-01T00:00:00Z"). No page lists
# `start` / `end`: no columns for them; if Ordergroove sends them they land in
# `_extra_fields` like any other field the table does not know.
PRODUCT_SELECTION_RULES = child_schema(
    "external_product_id",
    "product_last_update",
    th.Property("public_id", ID),
    th.Property("selection_rule_type", th.StringType),
    th.Property("configuration", th.ObjectType(additional_properties=True)),
)

PRODUCT_SELECTION_RULE_ELEMENTS = child_schema(
    "external_product_id",
    "product_last_update",
    th.Property("public_id", ID),
    th.Property("product", ID),
    th.Property(
        "starting_ordinal",
        th.IntegerType,
        description='Ordinal rotation (the example sends it as a string, "0")',
    ),
    th.Property("starting_date", TIMESTAMP, description="Time-window rotation"),
    keys=("selection_rule",),
)

# Digital plan products, with `include_product_resource_grants=true`: grants {public_id,
# resource, product, time_amount, grace_period (seconds), created, last_updated}
# (https://developer.ordergroove.com/reference/rest-rpc-api/products/manage-digital-plan-product).
PRODUCT_RESOURCE_GRANTS = child_schema(
    "external_product_id",
    "product_last_update",
    th.Property("public_id", ID),
    th.Property("resource", ID),
    th.Property("product", ID, description="The plan product, as Ordergroove repeats it"),
    th.Property("time_amount", th.IntegerType, description="Seconds granted"),
    th.Property("grace_period", th.IntegerType, description="Seconds of grace"),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
)

# With `include_product_free_trials=true`: a `product_free_trial_configurations` list of
# {public_id, duration_in_days, created, last_updated}, at most one per product
# (https://developer.ordergroove.com/reference/rest-rpc-api/products/free-trials-create).
PRODUCT_FREE_TRIAL_CONFIGURATIONS = child_schema(
    "external_product_id",
    "product_last_update",
    th.Property("public_id", ID),
    th.Property("duration_in_days", th.IntegerType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
)
