"""JSON schemas of every Ordergroove object the tap emits, one clean type per field.

The API is loose (see ``coerce.py``): the types here are what the tap converts
to, not what the API happens to send. Choices, documented in docs/types.md:

- money: ``number`` (exact ``Decimal`` on the wire; NUMERIC in Postgres);
- timestamps: ``date-time`` strings in UTC with an explicit offset;
- ``extra_data``, ``context`` blobs: JSON objects;
- ``components``: an array of ``{public_id, quantity, product}``;
- codes that flip between string and integer (``cancel_reason_code``, order
  ``type``): strings, which never lose information;
- ``live`` and other flags: booleans.

Every field is one Ordergroove documents; ``docs/api-contract.md`` gives the page for
each, and every deliberate difference. Fields Ordergroove marks deprecated carry
``deprecated: true``: a value that does not fit is logged and nulled, never fatal.
Nested objects keep their structure so a target can flatten them.

Every table ends with ``_extra_fields`` (``EXTRA_FIELDS_PROPERTY``): fields the schema
does not know and values that did not fit their type, keyed by path
(docs/data-fidelity.md).
"""

from __future__ import annotations

from singer_sdk import typing as th

# Building blocks -------------------------------------------------------------

ID = th.StringType
MONEY = th.DecimalType
TIMESTAMP = th.DateTimeType
JSON_OBJECT = th.ObjectType(additional_properties=True)

COMPONENT = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("quantity", th.IntegerType),
    th.Property("product", th.StringType),
)

#: Offer-profile coupon discount, as the offer-profile list reference documents it
#: (https://developer.ordergroove.com/reference/offer-profile-list). ``threshold_field``
#: is an int in the REST table but a String in the GraphQL ``DiscountIncentiveType``:
#: text holds both. ``value`` / ``threshold_value`` are decimal strings ("100", "50"):
#: numbers here and in the child table ``offer_profile_coupon_discounts`` alike.
DISCOUNT = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("name", th.StringType),
    th.Property("object", th.IntegerType),
    th.Property("field", th.StringType),
    th.Property("type", th.StringType),
    th.Property("value", MONEY),
    th.Property("threshold_field", th.StringType),
    th.Property("threshold_value", MONEY),
)

COUPON = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("name", th.StringType),
    th.Property("code", th.StringType),
    th.Property(
        "discounts",
        th.ArrayType(DISCOUNT),
        description="Documented as an object ({} or null) and seen as a list: always a list",
    ),
    th.Property(
        "standard_flex_incentives",
        th.ArrayType(JSON_OBJECT),
        description="Sent with offer_profile_category=all_with_standard_flex_incentives; "
        "documented as an object, normalised to a list",
    ),
)

#: A rotating product's selection rule (``include_product_selection_rules=true``).
SELECTION_RULE = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("selection_rule_type", th.StringType),
    th.Property("product_selection_list_elements", th.ArrayType(JSON_OBJECT)),
    th.Property("configuration", JSON_OBJECT),
)

#: A product's free-trial configuration (``include_product_free_trials=true``).
FREE_TRIAL = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("duration_in_days", th.IntegerType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
)

#: A digital plan's resource grant (``include_product_resource_grants=true``): ``resource``
#: is a resource ``public_id``; ``time_amount`` and ``grace_period`` are seconds; the
#: plan ``product`` and the grant's ``created`` / ``last_updated`` as the products list
#: page shows them (https://developer.ordergroove.com/reference/products-list).
RESOURCE_GRANT = th.ObjectType(
    th.Property("public_id", th.StringType),
    th.Property("resource", th.StringType),
    th.Property("product", th.StringType),
    th.Property("time_amount", th.IntegerType),
    th.Property("grace_period", th.IntegerType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
)

#: An item's gift context: the items list page documents ``can_change_quantity`` and
#: ``can_swap_sku`` (https://developer.ordergroove.com/reference/items-list); GraphQL's
#: ``GiftContextType`` adds ``gift`` (a ``GiftIncentiveType``), kept as an object.
GIFT_CONTEXT = th.ObjectType(
    th.Property("can_change_quantity", th.BooleanType),
    th.Property("can_swap_sku", th.BooleanType),
    th.Property("gift", JSON_OBJECT),
)

INCENTIVE = th.ObjectType(
    th.Property("type", th.StringType),
    th.Property("public_id", th.StringType),
    th.Property("discount_type", th.StringType),
    th.Property("target", th.StringType),
    th.Property("field", th.StringType),
    th.Property("name", th.StringType),
    th.Property("value", MONEY),
)

PRODUCT_GROUP_REF = th.ObjectType(
    th.Property("name", th.StringType),
    th.Property("group_type", th.StringType),
)


#: Fields the schema does not know and values that did not fit, keyed by path.
EXTRA_FIELDS_PROPERTY = th.Property(
    "_extra_fields",
    JSON_OBJECT,
    description="What the typed columns cannot hold, keyed by path: fields the schema does "
    "not know, and raw values that did not fit their type (their column is null)",
)

#: Set on rows the tap emits for objects Ordergroove deleted (webhook snapshots).
DELETED_AT_PROPERTY = th.Property(
    "_sdc_deleted_at",
    TIMESTAMP,
    description="When Ordergroove deleted this object (order.delete / item.remove webhook)",
)


def _key(name: str, kind: type[th.JSONTypeHelper] = ID) -> th.Property:
    """A key field: never null, so targets can build primary keys on it."""
    return th.Property(name, kind, required=True)


def _deprecated(name: str, kind: type[th.JSONTypeHelper]) -> th.Property:
    """A field Ordergroove still sends but has deprecated: a bad value never stops a sync."""
    return th.Property(name, kind, deprecated=True, description="Deprecated by Ordergroove")


# Streams ---------------------------------------------------------------------

CUSTOMERS = th.PropertiesList(
    th.Property(
        "id", th.IntegerType, description="Ordergroove's internal customer id (retrieve page)"
    ),
    th.Property("merchant", ID),
    _key("merchant_user_id"),
    th.Property("session_id", th.StringType),
    th.Property("user_token_id", th.StringType),
    th.Property("first_name", th.StringType),
    th.Property("last_name", th.StringType),
    th.Property("email", th.StringType),
    th.Property("phone_number", th.StringType),
    th.Property(
        "phone_type", th.IntegerType, description="0 invalid, 1 landline, 2 mobile, 3 VoIP"
    ),
    th.Property("live", th.BooleanType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
    th.Property("last_login", TIMESTAMP),
    th.Property("extra_data", JSON_OBJECT),
    # integer on the list page (example 42), string on the newer retrieve page: text holds both
    th.Property("locale", th.StringType),
    th.Property("price_code", th.StringType),
    EXTRA_FIELDS_PROPERTY,
)

SUBSCRIPTIONS = th.PropertiesList(
    th.Property("customer", ID),
    th.Property("merchant", ID),
    th.Property("product", ID),
    th.Property("payment", ID),
    th.Property("shipping_address", ID),
    th.Property("offer", ID),
    th.Property("subscription_type", th.StringType),
    th.Property("raw_subscription_type", th.StringType),
    th.Property("components", th.ArrayType(COMPONENT)),
    th.Property("extra_data", JSON_OBJECT),
    _key("public_id"),
    _deprecated("product_attribute", th.StringType),
    th.Property("quantity", th.IntegerType),
    th.Property("price", MONEY),
    th.Property("frequency_days", th.IntegerType),
    th.Property("reminder_days", th.IntegerType),
    th.Property("every", th.IntegerType),
    th.Property("every_period", th.IntegerType),
    th.Property("start_date", th.DateType),
    th.Property("cancelled", TIMESTAMP),
    th.Property("cancel_reason", th.StringType),
    th.Property("cancel_reason_code", th.StringType),
    th.Property("currency_code", th.StringType),
    _deprecated("iteration", th.StringType),
    _deprecated("sequence", th.StringType),
    th.Property("session_id", th.StringType),
    th.Property("merchant_order_id", th.StringType),
    _deprecated("customer_rep", th.StringType),
    _deprecated("club", th.StringType),
    th.Property("created", TIMESTAMP),
    th.Property("updated", TIMESTAMP),
    th.Property("live", th.BooleanType),
    th.Property("external_id", th.StringType),
    th.Property("prepaid_subscription_context", JSON_OBJECT),
    th.Property("free_trial_subscription_context", JSON_OBJECT),
    th.Property("grantees", th.ArrayType(JSON_OBJECT)),
    th.Property("offer_profile_public_id", ID),
    EXTRA_FIELDS_PROPERTY,
)

ORDERS = th.PropertiesList(
    th.Property("merchant", ID),
    th.Property("customer", ID),
    th.Property("payment", ID),
    th.Property("shipping_address", ID),
    _key("public_id"),
    th.Property("sub_total", MONEY),
    th.Property("tax_total", MONEY),
    th.Property("shipping_total", MONEY),
    th.Property("discount_total", MONEY),
    th.Property("total", MONEY),
    th.Property("created", TIMESTAMP),
    th.Property("updated", TIMESTAMP),
    th.Property("place", TIMESTAMP),
    th.Property("cancelled", TIMESTAMP),
    th.Property("tries", th.IntegerType),
    th.Property("generic_error_count", th.IntegerType),
    th.Property("status", th.IntegerType),
    th.Property("type", th.StringType),
    th.Property("order_merchant_id", th.StringType),
    th.Property("rejected_message", th.StringType),
    th.Property("extra_data", JSON_OBJECT),
    th.Property("locked", th.BooleanType),
    th.Property("oos_free_shipping", th.BooleanType),
    th.Property("currency_code", th.StringType),
    th.Property("has_plan", th.BooleanType, description="Sent with include_has_plan=true"),
    DELETED_AT_PROPERTY,
    EXTRA_FIELDS_PROPERTY,
)

ITEMS = th.PropertiesList(
    th.Property("order", ID),
    th.Property("offer", ID),
    th.Property("subscription", ID),
    th.Property("product", ID),
    th.Property("components", th.ArrayType(COMPONENT)),
    th.Property("quantity", th.IntegerType),
    _key("public_id"),
    _deprecated("product_attribute", th.StringType),
    th.Property("price", MONEY),
    th.Property("extra_cost", MONEY),
    th.Property("total_price", MONEY),
    th.Property("one_time", th.BooleanType),
    th.Property("order_updated", TIMESTAMP),
    th.Property("frozen", th.BooleanType),
    th.Property("first_placed", TIMESTAMP),
    th.Property("subscription_component", ID),
    th.Property("gift_context", GIFT_CONTEXT),
    DELETED_AT_PROPERTY,
    EXTRA_FIELDS_PROPERTY,
)

ADDRESSES = th.PropertiesList(
    th.Property("customer", ID),
    _key("public_id"),
    th.Property("label", th.StringType),
    th.Property("first_name", th.StringType),
    th.Property("last_name", th.StringType),
    th.Property("company_name", th.StringType),
    th.Property("address", th.StringType),
    th.Property("address2", th.StringType),
    th.Property("city", th.StringType),
    th.Property("state_province_code", th.StringType),
    th.Property("zip_postal_code", th.StringType),
    th.Property("phone", th.StringType),
    th.Property("fax", th.StringType),
    th.Property("country_code", th.StringType),
    th.Property("live", th.BooleanType),
    th.Property("created", TIMESTAMP),
    th.Property("updated", TIMESTAMP),
    th.Property("token_id", th.StringType),
    th.Property("store_public_id", th.StringType),
    EXTRA_FIELDS_PROPERTY,
)

PAYMENTS = th.PropertiesList(
    th.Property("customer", ID),
    th.Property("billing_address", ID),
    th.Property("cc_number_ending", th.StringType),
    _key("public_id"),
    th.Property("label", th.StringType),
    th.Property("token_id", th.StringType, secret=True),
    th.Property("cc_holder", th.StringType),
    th.Property("cc_type", th.IntegerType),
    th.Property("cc_exp_date", th.StringType, description="MM/YYYY, as Ordergroove sends it"),
    th.Property("payment_method", th.StringType),
    th.Property("live", th.BooleanType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
    EXTRA_FIELDS_PROPERTY,
)

PRODUCTS = th.PropertiesList(
    th.Property("merchant", ID),
    th.Property("groups", th.ArrayType(PRODUCT_GROUP_REF)),
    th.Property("name", th.StringType),
    th.Property("price", MONEY),
    th.Property("image_url", th.StringType),
    th.Property("detail_url", th.StringType),
    _key("external_product_id"),
    th.Property("sku", th.StringType),
    th.Property("autoship_enabled", th.BooleanType),
    th.Property("prepaid_eligible", th.BooleanType),
    _deprecated("premier_enabled", th.IntegerType),
    th.Property("created", TIMESTAMP),
    th.Property("last_update", TIMESTAMP),
    th.Property("live", th.BooleanType),
    th.Property("discontinued", th.BooleanType),
    th.Property("extra_data", JSON_OBJECT),
    th.Property("product_type", th.StringType),
    th.Property("autoship_by_default", th.BooleanType),
    th.Property("every", th.IntegerType),
    th.Property("every_period", th.IntegerType),
    th.Property("offer_profile", ID),
    th.Property("incentive_group", th.StringType),
    th.Property("product_selection_rules", th.ArrayType(SELECTION_RULE)),
    th.Property("product_resource_grants", th.ArrayType(RESOURCE_GRANT)),
    th.Property("product_free_trial_configurations", th.ArrayType(FREE_TRIAL)),
    EXTRA_FIELDS_PROPERTY,
)

OFFER_PROFILES = th.PropertiesList(
    _key("public_id"),
    th.Property("merchant", ID),
    th.Property("name", th.StringType),
    th.Property("status", th.StringType),
    th.Property("live", th.BooleanType),
    th.Property("weight", th.IntegerType),
    th.Property("offers", th.ArrayType(th.StringType)),
    th.Property("initial_coupon", COUPON),
    th.Property("recurring_coupon", COUPON),
    EXTRA_FIELDS_PROPERTY,
)

ONE_TIME_INCENTIVES = th.PropertiesList(
    _key("public_id"),
    th.Property("external_code", th.StringType),
    th.Property("description", th.StringType),
    th.Property("merchant", ID),
    th.Property("customer", ID),
    th.Property("order", ID),
    th.Property("item", ID),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
    th.Property("applied_at", TIMESTAMP),
    th.Property("incentive", INCENTIVE),
    EXTRA_FIELDS_PROPERTY,
)

PRODUCT_GROUPS = th.PropertiesList(
    _key("name", th.StringType),
    _key("group_type", th.StringType),
    EXTRA_FIELDS_PROPERTY,
)

MERCHANT_CANCEL_REASONS = th.PropertiesList(
    _key("cancel_reason", th.IntegerType),
    _key("application", th.StringType),
    EXTRA_FIELDS_PROPERTY,
)

RESOURCES = th.PropertiesList(
    th.Property("merchant", ID),
    _key("public_id"),
    th.Property("name", th.StringType),
    th.Property("external_resource_id", th.StringType),
    th.Property("description", th.StringType),
    th.Property("image_url", th.StringType),
    th.Property("created", TIMESTAMP),
    th.Property("last_updated", TIMESTAMP),
    EXTRA_FIELDS_PROPERTY,
)

PLACEMENT_RESPONSES = th.PropertiesList(
    _key("public_id"),
    th.Property("order", ID),
    th.Property("response_code", th.StringType),
    th.Property("response_message", th.StringType),
    th.Property("created", TIMESTAMP),
    th.Property(
        "response_payload",
        th.StringType,
        description="The order placement response, kept verbatim as text",
    ),
    th.Property(
        "transaction_response",
        th.StringType,
        description="The payment processor's raw answer, kept verbatim as text",
    ),
    EXTRA_FIELDS_PROPERTY,
)

# Reconciliation: the current set of upcoming (status 1) orders and their items -----------

UPCOMING_ORDERS = th.PropertiesList(
    _key("public_id"),
    th.Property("customer", ID),
    th.Property("status", th.IntegerType),
    th.Property("place", TIMESTAMP),
    th.Property("updated", TIMESTAMP),
    EXTRA_FIELDS_PROPERTY,
)

UPCOMING_ITEMS = th.PropertiesList(
    _key("public_id"),
    th.Property("order", ID),
    th.Property("product", ID),
    th.Property("quantity", th.IntegerType),
    th.Property("order_updated", TIMESTAMP),
    EXTRA_FIELDS_PROPERTY,
)
