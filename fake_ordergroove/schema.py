"""Static description of every object type the fake serves.

Kept separate from the generator so the server, the dataset and the tests agree on one
definition of paths, primary keys, field order, timestamp fields and filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["OBJECTS", "OBJECTS_BY_PATH", "ObjectSpec"]


@dataclass(frozen=True)
class ObjectSpec:
    """Everything the fake needs to know about one list endpoint."""

    name: str
    path: str
    fields: tuple[str, ...]
    key: tuple[str, ...]
    created_field: str | None
    updated_field: str | None
    # query param -> (record field, operator) with operator one of ">=", "<=", "<".
    range_filters: dict[str, tuple[str, str]] = field(default_factory=dict)
    max_page_size: int = 100
    # Documented format of the range filters: "iso" (date or dateTtime) or "spaced".
    filter_format: str = "iso"
    # query param -> fields served only when it is "true" (e.g. include_has_plan).
    optional_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def compound_key(self) -> bool:
        """True when the primary key is made of several fields (tuple keys)."""
        return len(self.key) > 1

    def served_fields(self, params: dict[str, str]) -> tuple[str, ...]:
        """The fields a list call with ``params`` answers with, in order."""
        hidden = {
            name
            for param, names in self.optional_fields.items()
            if params.get(param) not in ("true", "True", "1")
            for name in names
        }
        return tuple(name for name in self.fields if name not in hidden)


def _f(text: str) -> tuple[str, ...]:
    """Split a whitespace separated field list (keeps the specs readable)."""
    return tuple(text.split())


_UPDATED = {"updated_start": ("updated", ">="), "updated_end": ("updated", "<=")}

OBJECTS: dict[str, ObjectSpec] = {
    spec.name: spec
    for spec in (
        ObjectSpec(
            "customers",
            "/customers/",
            _f(
                "id merchant merchant_user_id session_id user_token_id first_name last_name email "
                "phone_number phone_type live created last_updated last_login extra_data locale "
                "price_code"
            ),
            ("merchant_user_id",),
            "created",
            "last_updated",
            {"updated_start": ("last_updated", ">="), "updated_end": ("last_updated", "<=")},
        ),
        ObjectSpec(
            "subscriptions",
            "/subscriptions/",
            _f(
                "customer merchant product payment shipping_address offer subscription_type "
                "raw_subscription_type components extra_data public_id product_attribute quantity "
                "price frequency_days reminder_days every every_period start_date cancelled "
                "cancel_reason cancel_reason_code currency_code iteration sequence session_id "
                "merchant_order_id customer_rep club created updated live external_id "
                "prepaid_subscription_context free_trial_subscription_context grantees "
                "offer_profile_public_id"
            ),
            ("public_id",),
            "created",
            "updated",
            dict(_UPDATED),
        ),
        ObjectSpec(
            "orders",
            "/orders/",
            _f(
                "merchant customer payment shipping_address public_id sub_total tax_total "
                "shipping_total discount_total total created updated place cancelled tries "
                "generic_error_count status type order_merchant_id rejected_message extra_data "
                "locked oos_free_shipping currency_code has_plan"
            ),
            ("public_id",),
            "created",
            "updated",
            dict(_UPDATED),
            optional_fields={"include_has_plan": ("has_plan",)},
        ),
        ObjectSpec(
            "items",
            "/items/",
            _f(
                "order offer subscription product components quantity public_id product_attribute "
                "price extra_cost total_price one_time order_updated frozen first_placed "
                "subscription_component gift_context"
            ),
            ("public_id",),
            None,
            None,
            {
                "order_updated_start": ("order_updated", ">="),
                "order_updated_end": ("order_updated", "<="),
            },
        ),
        ObjectSpec(
            "addresses",
            "/addresses/",
            _f(
                "customer public_id label first_name last_name company_name address address2 city "
                "state_province_code zip_postal_code phone fax country_code live created updated "
                "token_id store_public_id"
            ),
            ("public_id",),
            "created",
            "updated",
            dict(_UPDATED),
        ),
        ObjectSpec(
            "payments",
            "/payments/",
            _f(
                "customer billing_address cc_number_ending public_id label token_id cc_holder "
                "cc_type cc_exp_date payment_method live created last_updated"
            ),
            ("public_id",),
            "created",
            "last_updated",
        ),
        ObjectSpec(
            "products",
            "/products/",
            _f(
                "merchant groups name price image_url detail_url external_product_id sku "
                "autoship_enabled prepaid_eligible premier_enabled created last_update live "
                "discontinued extra_data product_type autoship_by_default every every_period "
                "offer_profile incentive_group product_selection_rules product_resource_grants "
                "product_free_trial_configurations"
            ),
            ("external_product_id",),
            "created",
            "last_update",
            optional_fields={
                "include_product_selection_rules": ("product_selection_rules",),
                "include_product_resource_grants": ("product_resource_grants",),
                "include_product_free_trials": ("product_free_trial_configurations",),
            },
        ),
        ObjectSpec(
            "offer_profiles",
            "/offer_profiles/",
            _f("public_id merchant name live status weight offers initial_coupon recurring_coupon"),
            ("public_id",),
            None,
            None,
        ),
        ObjectSpec(
            "one_time_incentives",
            "/one_time_incentives/",
            _f(
                "public_id external_code description merchant customer order item created "
                "last_updated applied_at incentive"
            ),
            ("public_id",),
            "created",
            "last_updated",
            {
                "last_updated_start": ("last_updated", ">="),
                "last_updated_end": ("last_updated", "<="),
            },
        ),
        ObjectSpec(
            "product_groups",
            "/product_groups/",
            _f("name group_type"),
            ("group_type", "name"),
            None,
            None,
        ),
        ObjectSpec(
            "merchant_cancel_reasons",
            "/merchant/cancel_reason/",
            _f("cancel_reason application"),
            ("cancel_reason", "application"),
            None,
            None,
        ),
        ObjectSpec(
            "resources",
            "/resources/",
            _f(
                "merchant public_id name external_resource_id description image_url created "
                "last_updated"
            ),
            ("public_id",),
            "created",
            "last_updated",
        ),
        ObjectSpec(
            "placement_responses",
            "/placement_logs/responses/",
            _f(
                "public_id order response_code response_message created response_payload "
                "transaction_response"
            ),
            ("public_id",),
            "created",
            None,
            {"start_date": ("created", ">="), "end_date": ("created", "<")},
            max_page_size=1000,
            filter_format="spaced",
        ),
    )
}

OBJECTS_BY_PATH: dict[str, ObjectSpec] = {spec.path: spec for spec in OBJECTS.values()}
