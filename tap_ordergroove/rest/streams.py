"""Ordergroove list endpoints, one class each: name, path, keys, replication, filters.

Everything else (HTTP, pagination, retries, time zones, types, bookmarks) is in
``client.py`` and the modules it names; schemas are in ``schemas.py``.
"""

from __future__ import annotations

import typing as t

from tap_ordergroove.rest import child_schemas, schemas
from tap_ordergroove.rest.children import ChildStream, ParentStream
from tap_ordergroove.rest.client import OrdergrooveStream
from tap_ordergroove.timezones import SPACED_FILTER_FORMAT

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

    from tap_ordergroove.rest.children import Element


class UpdatedStream(OrdergrooveStream):
    """Endpoints filtered by ``updated_start`` / ``updated_end`` on their update time."""

    replication_key = "updated"
    start_param = "updated_start"
    end_param = "updated_end"


class CustomersStream(UpdatedStream):
    name = "customers"
    path = "/customers/"
    primary_keys = ("merchant_user_id",)
    replication_key = "last_updated"
    schema = schemas.CUSTOMERS.to_dict()


class SubscriptionsStream(ParentStream, UpdatedStream):
    name = "subscriptions"
    path = "/subscriptions/"
    primary_keys = ("public_id",)
    schema = schemas.SUBSCRIPTIONS.to_dict()


class OrdersStream(UpdatedStream):
    """``include_has_plan=true`` adds ``has_plan`` (does the order hold a digital plan)."""

    name = "orders"
    path = "/orders/"
    primary_keys = ("public_id",)
    tombstone_type = "orders"
    extra_params = {"include_has_plan": "true"}
    schema = schemas.ORDERS.to_dict()


class ItemsStream(ParentStream):
    """Items have no timestamp of their own: any change bumps their order's ``updated``."""

    name = "items"
    path = "/items/"
    primary_keys = ("public_id",)
    tombstone_type = "items"
    replication_key = "order_updated"
    start_param = "order_updated_start"
    end_param = "order_updated_end"
    schema = schemas.ITEMS.to_dict()


class AddressesStream(UpdatedStream):
    name = "addresses"
    path = "/addresses/"
    primary_keys = ("public_id",)
    schema = schemas.ADDRESSES.to_dict()


class PaymentsStream(OrdergrooveStream):
    name = "payments"
    path = "/payments/"
    primary_keys = ("public_id",)
    schema = schemas.PAYMENTS.to_dict()


class ProductsStream(ParentStream):
    """Without the first two parameters the API hides discontinued and non-autoship
    products; without the ``include_*`` ones it omits rotating-product selection rules,
    digital-plan resource grants and free-trial configurations."""

    name = "products"
    path = "/products/"
    primary_keys = ("external_product_id",)
    extra_params = {
        "autoship_enabled": "all",
        "allow_discontinued": "true",
        "include_product_selection_rules": "true",
        "include_product_resource_grants": "true",
        "include_product_free_trials": "true",
    }
    schema = schemas.PRODUCTS.to_dict()


class OfferProfilesStream(ParentStream):
    """Without ``status=all`` the API returns only available offer profiles; with
    ``offer_profile_category=all_with_standard_flex_incentives`` each coupon also carries
    its standardized flex incentives (so ``/standard_flex_incentives/`` needs no stream)."""

    name = "offer_profiles"
    path = "/offer_profiles/"
    primary_keys = ("public_id",)
    extra_params = {
        "status": "all",
        "offer_profile_category": "all_with_standard_flex_incentives",
    }
    schema = schemas.OFFER_PROFILES.to_dict()


class OneTimeIncentivesStream(OrdergrooveStream):
    """Incremental per the API reference; ``one_time_incentives_incremental: false`` turns
    it into a full table, since the integration guide says the filter does not exist."""

    name = "one_time_incentives"
    path = "/one_time_incentives/"
    primary_keys = ("public_id",)
    replication_key = "last_updated"
    start_param = "last_updated_start"
    end_param = "last_updated_end"
    schema = schemas.ONE_TIME_INCENTIVES.to_dict()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.config.get("one_time_incentives_incremental", True):
            self.replication_key = None  # type: ignore[assignment]


class ProductGroupsStream(OrdergrooveStream):
    name = "product_groups"
    path = "/product_groups/"
    primary_keys = ("group_type", "name")
    schema = schemas.PRODUCT_GROUPS.to_dict()


class MerchantCancelReasonsStream(OrdergrooveStream):
    name = "merchant_cancel_reasons"
    path = "/merchant/cancel_reason/"
    primary_keys = ("cancel_reason", "application")
    schema = schemas.MERCHANT_CANCEL_REASONS.to_dict()


class ResourcesStream(OrdergrooveStream):
    name = "resources"
    path = "/resources/"
    primary_keys = ("public_id",)
    schema = schemas.RESOURCES.to_dict()


class PlacementResponsesStream(OrdergrooveStream):
    """Order billing attempts; pages up to 1000.

    ``start_date`` is >= and ``end_date`` is < (non-inclusive), both documented as
    ``YYYY-MM-DD HH:mm:ss`` with a space. A backfill window's end is the next window's
    start, so the exclusive end loses nothing at the seam.
    """

    name = "placement_responses"
    path = "/placement_logs/responses/"
    primary_keys = ("public_id",)
    replication_key = "created"
    start_param = "start_date"
    end_param = "end_date"
    filter_format = SPACED_FILTER_FORMAT
    page_size_setting = "placement_responses_page_size"
    schema = schemas.PLACEMENT_RESPONSES.to_dict()


def is_upcoming(order: dict) -> bool:
    """Status 1 (UNSENT), whether the API sends the code as ``1`` or ``"1"``."""
    return str(order.get("status")) == "1"


class UpcomingOrdersStream(OrdergrooveStream):
    """Every order still upcoming (status 1), re-read in full each run: webhook-free deletes.

    After a complete read the tap sends ACTIVATE_VERSION, so the target flags rows not seen
    this time: an upcoming order that vanished was deleted (or left status 1; the ``orders``
    table tells which). The orders list documents a ``status`` filter, so only upcoming
    orders are read; the tap checks the status again, which costs nothing.
    """

    name = "upcoming_orders"
    path = "/orders/"
    primary_keys = ("public_id",)
    extra_params = {"status": "1"}
    report_unknown_fields = False  # keeps only what identifies the upcoming set
    read_every_run = True  # the point of the stream: never skipped by full_table_every_hours
    schema = schemas.UPCOMING_ORDERS.to_dict()

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Only status-1 orders belong to the set."""
        return super().post_process(row, context) if is_upcoming(row) else None


class UpcomingItemsStream(OrdergrooveStream):
    """Items of upcoming orders, re-read in full each run (see ``UpcomingOrdersStream``).

    The items list documents ``status`` as the order's status code, so ``status=1`` reads
    exactly the items of upcoming orders, server-side. Also catches out-of-stock items
    Ordergroove deletes with no webhook at all.
    """

    name = "upcoming_items"
    path = "/items/"
    primary_keys = ("public_id",)
    extra_params = {"status": "1"}
    report_unknown_fields = False
    read_every_run = True
    schema = schemas.UPCOMING_ITEMS.to_dict()


STREAM_TYPES: tuple[type[OrdergrooveStream], ...] = (
    CustomersStream,
    SubscriptionsStream,
    OrdersStream,
    ItemsStream,
    AddressesStream,
    PaymentsStream,
    ProductsStream,
    OfferProfilesStream,
    OneTimeIncentivesStream,
    ProductGroupsStream,
    MerchantCancelReasonsStream,
    ResourcesStream,
    PlacementResponsesStream,
)

#: Opt-in (setting ``reconcile_upcoming_deletes``): each run reads the upcoming orders and
#: their items, filtered server-side by ``status=1``.
RECONCILIATION_STREAM_TYPES: tuple[type[OrdergrooveStream], ...] = (
    UpcomingOrdersStream,
    UpcomingItemsStream,
)


# Child tables: rows derived from array fields of the parents above, zero requests ----------
# (see ``children.py``; column conventions and sources in ``child_schemas.py``).


class SubscriptionComponentsStream(ChildStream):
    """Components of bundle subscriptions (one row per product in the box)."""

    name = "subscription_components"
    parent_stream_type = SubscriptionsStream
    array_field = "components"
    parent_column = "subscription"
    stamp_column = "subscription_updated"
    natural_key = ("product",)
    primary_keys = ("subscription", "child_key")
    replication_key = "subscription_updated"
    schema = child_schemas.SUBSCRIPTION_COMPONENTS


class SubscriptionGranteesStream(ChildStream):
    """People a (gifted or shared digital) subscription grants access to."""

    name = "subscription_grantees"
    parent_stream_type = SubscriptionsStream
    array_field = "grantees"
    parent_column = "subscription"
    stamp_column = "subscription_updated"
    natural_key = ("external_id",)
    primary_keys = ("subscription", "child_key")
    replication_key = "subscription_updated"
    schema = child_schemas.SUBSCRIPTION_GRANTEES


class ItemComponentsStream(ChildStream):
    """Components of bundle items (order lines); ``item_order_updated`` is the item's bookmark."""

    name = "item_components"
    parent_stream_type = ItemsStream
    array_field = "components"
    parent_stamp = "order_updated"
    parent_column = "item"
    stamp_column = "item_order_updated"
    natural_key = ("product",)
    primary_keys = ("item", "child_key")
    replication_key = "item_order_updated"
    schema = child_schemas.ITEM_COMPONENTS


class OfferProfileOffersStream(ChildStream):
    """Offer ids of each offer profile (Fivetran's ``offer_profile_offer_id``)."""

    name = "offer_profile_offers"
    parent_stream_type = OfferProfilesStream
    array_field = "offers"
    parent_column = "offer_profile"
    stamp_column = "offer_profile_updated"
    value_column = "offer"
    primary_keys = ("offer_profile", "child_key")
    schema = child_schemas.OFFER_PROFILE_OFFERS


class OfferProfileCouponDiscountsStream(ChildStream):
    """Discounts of the initial and the recurring coupon, in one table (``coupon`` says which).

    Fivetran splits them into ``offer_profile_{initial,recurring}_coupon_discount``.
    """

    name = "offer_profile_coupon_discounts"
    parent_stream_type = OfferProfilesStream
    array_field = "discounts"
    parent_column = "offer_profile"
    stamp_column = "offer_profile_updated"
    primary_keys = ("offer_profile", "coupon", "child_key")
    schema = child_schemas.OFFER_PROFILE_COUPON_DISCOUNTS
    COUPONS: t.ClassVar[dict[str, str]] = {
        "initial": "initial_coupon",
        "recurring": "recurring_coupon",
    }

    def elements(self, parent: dict) -> Iterable[Element]:
        """Each coupon's discounts, tagged with the coupon they belong to."""
        for kind, field in self.COUPONS.items():
            coupon = parent.get(field)
            if not isinstance(coupon, dict):
                continue
            keys = {
                "coupon": kind,
                "coupon_public_id": coupon.get("public_id"),
                "coupon_code": coupon.get("code"),
                "coupon_name": coupon.get("name"),
            }
            for position, discount in enumerate(self.as_elements(coupon.get("discounts"), parent)):
                yield keys, position, discount


class ProductChildStream(ChildStream):
    """A child table of products: keyed by the product's ``external_product_id`` (its
    elements may have a ``product`` of their own), stamped with its ``last_update``."""

    parent_stream_type = ProductsStream
    parent_key = "external_product_id"
    parent_stamp = "last_update"
    parent_column = "external_product_id"
    stamp_column = "product_last_update"


class ProductGroupMembershipsStream(ProductChildStream):
    """Which product groups each product belongs to (``product_groups.products`` reversed)."""

    name = "product_group_memberships"
    array_field = "groups"
    natural_key = ("group_type", "name")
    primary_keys = ("external_product_id", "child_key")
    schema = child_schemas.PRODUCT_GROUP_MEMBERSHIPS


class ProductSelectionRulesStream(ProductChildStream):
    """Rotating products' selection rules (``include_product_selection_rules=true``)."""

    name = "product_selection_rules"
    array_field = "product_selection_rules"
    primary_keys = ("external_product_id", "child_key")
    schema = child_schemas.PRODUCT_SELECTION_RULES

    def elements(self, parent: dict) -> Iterable[Element]:
        """The rules without their element lists (those are the next table)."""
        for keys, position, rule in super().elements(parent):
            if isinstance(rule, dict):
                rule = {k: v for k, v in rule.items() if k not in RULE_ELEMENT_FIELDS}
            yield keys, position, rule


#: Field of a selection rule holding its elements: the manage endpoints answer with
#: ``product_selection_list_elements``; the retrieve page calls them ``selection_list_elements``.
RULE_ELEMENT_FIELDS = ("product_selection_list_elements", "selection_list_elements")


class ProductSelectionRuleElementsStream(ProductChildStream):
    """The elements of each selection rule (which product at which ordinal or window)."""

    name = "product_selection_rule_elements"
    array_field = "product_selection_rules"
    primary_keys = ("external_product_id", "selection_rule", "child_key")
    schema = child_schemas.PRODUCT_SELECTION_RULE_ELEMENTS

    def elements(self, parent: dict) -> Iterable[Element]:
        """Every element of every rule, tagged with its rule's key."""
        for _, rule_position, rule in super().elements(parent):
            if not isinstance(rule, dict):
                continue
            keys = {"selection_rule": self.element_key(rule, rule_position)}
            found = next((rule[f] for f in RULE_ELEMENT_FIELDS if rule.get(f)), None)
            for position, element in enumerate(self.as_elements(found, parent)):
                yield keys, position, element


class ProductResourceGrantsStream(ProductChildStream):
    """What a digital plan product grants (``include_product_resource_grants=true``).

    The docs name the query parameter but not the response field; both likely names are read.
    """

    name = "product_resource_grants"
    array_field = "product_resource_grants"
    array_aliases = ("resource_grants",)
    natural_key = ("resource",)
    primary_keys = ("external_product_id", "child_key")
    schema = child_schemas.PRODUCT_RESOURCE_GRANTS


class ProductFreeTrialConfigurationsStream(ProductChildStream):
    """A product's free trial (``include_product_free_trials=true``; at most one per product)."""

    name = "product_free_trial_configurations"
    array_field = "product_free_trial_configurations"
    primary_keys = ("external_product_id", "child_key")
    schema = child_schemas.PRODUCT_FREE_TRIAL_CONFIGURATIONS


#: Child tables, each fed by the parent named in its ``parent_stream_type``.
CHILD_STREAM_TYPES: tuple[type[ChildStream], ...] = (
    SubscriptionComponentsStream,
    SubscriptionGranteesStream,
    ItemComponentsStream,
    OfferProfileOffersStream,
    OfferProfileCouponDiscountsStream,
    ProductGroupMembershipsStream,
    ProductSelectionRulesStream,
    ProductSelectionRuleElementsStream,
    ProductResourceGrantsStream,
    ProductFreeTrialConfigurationsStream,
)
