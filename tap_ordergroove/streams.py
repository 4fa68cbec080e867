"""Ordergroove list endpoints, one class each: name, path, keys, replication, filters.

Everything else (HTTP, pagination, retries, time zones, types, bookmarks) is in
``client.py``; schemas are in ``schemas.py``.
"""

from __future__ import annotations

import typing as t

from tap_ordergroove import schemas
from tap_ordergroove.client import OrdergrooveStream
from tap_ordergroove.timezones import SPACED_FILTER_FORMAT

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


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


class SubscriptionsStream(UpdatedStream):
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


class ItemsStream(OrdergrooveStream):
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


class ProductsStream(OrdergrooveStream):
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


class OfferProfilesStream(OrdergrooveStream):
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
