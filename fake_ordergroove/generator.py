"""Deterministic generator of a related Ordergroove dataset.

Everything is drawn from ``random.Random`` seeded with the dataset seed, so one seed and one
scale always give byte-identical records. Rows are produced as tuples in the field order of
``schema.OBJECTS`` plus one hidden trailing value (the sort position used by cursor
pagination), because tuples cost a fraction of the memory of dicts at a million records.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .clock import LocalClock
from .schema import OBJECTS

__all__ = ["AS_OF", "DST_SPECIALS", "START", "Generated", "generate"]

_T = TypeVar("_T")
# A reusable encoder skips json.dumps' per-call argument handling (hot at 1M records).
_dumps = json.JSONEncoder().encode

START = "2023-01-01 00:00:00"
AS_OF = "2025-12-31 23:59:59"
_DAY = 86_400

# `updated` values pinned onto a few records per incremental stream so that every scale has
# records right around the US DST changes, including the repeated 01:00-02:00 hour of
# 2024-11-03 (the same naive string twice: once meant as CDT, once as CST).
DST_SPECIALS: tuple[str, ...] = (
    "2023-03-12 01:59:59",
    "2023-03-12 03:00:00",
    "2023-11-05 01:30:00",
    "2024-03-10 01:59:59",
    "2024-03-10 03:00:00",
    "2024-03-10 03:30:00",
    "2024-11-03 00:59:59",
    "2024-11-03 01:00:00",
    "2024-11-03 01:15:00",
    "2024-11-03 01:30:00",
    "2024-11-03 01:30:00",
    "2024-11-03 01:59:59",
    "2024-11-03 02:00:00",
    "2025-03-09 03:00:00",
    "2025-11-02 01:30:00",
)

_FIRST = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "William",
    "Mia",
    "Benjamin",
    "Charlotte",
    "Lucas",
    "Amelia",
    "Henry",
    "Harper",
    "Theodore",
    "Evelyn",
    "Jack",
    "Luna",
    "Levi",
    "Camila",
    "Mateo",
    "Gianna",
    "Ezra",
    "Aria",
    "Hudson",
    "Zoë",
    "José",
)
_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "O'Brien",
    "Nguyen",
    "Müller",
)
_CITIES = (
    ("Chicago", "IL", "606"),
    ("Austin", "TX", "787"),
    ("Brooklyn", "NY", "112"),
    ("Denver", "CO", "802"),
    ("Seattle", "WA", "981"),
    ("Miami", "FL", "331"),
    ("Nashville", "TN", "372"),
    ("Portland", "OR", "972"),
    ("Minneapolis", "MN", "554"),
    ("Phoenix", "AZ", "850"),
    ("Boston", "MA", "021"),
    ("Atlanta", "GA", "303"),
)
_STREETS = (
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Lake",
    "Hill",
    "Park",
    "Washington",
    "Lincoln",
    "Sunset",
)
_ADJ = (
    "Organic",
    "Daily",
    "Premium",
    "Fresh",
    "Classic",
    "Ultra",
    "Gentle",
    "Pure",
    "Vital",
    "Everyday",
)
_NOUN = (
    "Coffee Beans",
    "Dog Food",
    "Vitamin C",
    "Face Cream",
    "Razor Blades",
    "Protein Powder",
    "Green Tea",
    "Cat Litter",
    "Shampoo",
    "Toothpaste",
    "Baby Wipes",
    "Oat Milk",
    "Fish Oil",
    "Detergent",
    "Hand Soap",
)
_CANCEL_REASONS = (
    "I have too much product",
    "It is too expensive",
    "I am moving",
    "The product did not work for me",
    "I switched to another brand",
    "I no longer need it",
    "Shipping takes too long",
    "Other",
)
_APPLICATIONS = ("msi", "admin", "api")
_EXTRA_STRINGS = ("imported from legacy platform", "n/a", "{not json", "VIP")
_RESPONSES = {
    "000": "Success",
    "140": "Declined: insufficient funds",
    "110": "Invalid card number",
    "300": "Out of stock",
    "999": "Generic error",
}


class Generated:
    """Rows per object type plus the relations the mutation API needs."""

    def __init__(self, merchant: str) -> None:
        self.merchant = merchant
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in OBJECTS}
        self.items_by_order: dict[str, list[str]] = {}
        self._checked: set[str] = set()

    def add(self, obj_type: str, record: dict[str, Any], sort_value: str) -> None:
        """Store ``record`` as a tuple; checks the field order once per type."""
        if obj_type not in self._checked:
            fields = OBJECTS[obj_type].fields
            if tuple(record) != fields:
                raise AssertionError(f"{obj_type} fields {tuple(record)} != {fields}")
            self._checked.add(obj_type)
        self.rows[obj_type].append((*record.values(), sort_value))


class _Specials:
    """Hands out the DST `updated` values to suitable records of one stream."""

    def __init__(self, expected: int) -> None:
        self.pending = sorted(DST_SPECIALS)
        self.gap = max(3, expected // (2 * len(self.pending)))
        self.seen = 0
        self.next_at = self.gap

    def apply(self, natural: str) -> str:
        """Swap ``natural`` for the smallest pending special not before it (keeps updated
        >= created and every other lower bound), at most once every ``gap`` records."""
        self.seen += 1
        if not self.pending or self.seen < self.next_at:
            return natural
        i = bisect_left(self.pending, natural)
        if i == len(self.pending):
            return natural
        self.next_at = self.seen + self.gap
        return self.pending.pop(i)


class _Gen:
    """Holds the random source and the helpers shared by the per-object generators."""

    def __init__(self, seed: int, customers: int, clock: LocalClock) -> None:
        self.r = random.Random(f"ordergroove-fake:{seed}:{customers}")
        self.random = self.r.random
        self.n_customers = customers
        self.clock = clock
        self.fmt: Callable[[int], str] = clock.fmt
        self.start = clock.to_ts(START)
        self.as_of = clock.to_ts(AS_OF)
        self.money_cache: dict[int, str] = {}
        self.merchant = self.hex_id()
        self.out = Generated(self.merchant)

    # -- small helpers -------------------------------------------------------------------
    def hex_id(self) -> str:
        """32 hex chars shaped like ``uuid4().hex`` but drawn from the seeded generator."""
        n = self.r.getrandbits(128)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
        n = (n & ~(0xF000 << 64)) | (4 << 76)
        return f"{n:032x}"

    def money(self, cents: int) -> str:
        """Decimal string for an amount in cents; interned because values repeat a lot."""
        text = self.money_cache.get(cents)
        if text is None:
            sign = "-" if cents < 0 else ""
            whole, frac = divmod(abs(cents), 100)
            text = f"{sign}{whole}.{frac:02d}"
            self.money_cache[cents] = text
        return text

    def pick(self, seq: Sequence[_T]) -> _T:
        """``random.choice`` without its Python-level overhead (hot path at 1M records)."""
        return seq[int(self.random() * len(seq))]

    def rint(self, lo: int, hi: int) -> int:
        """``random.randint`` equivalent built on ``random()`` for speed (inclusive)."""
        return lo + int(self.random() * (hi - lo + 1))

    def between(self, lo: int, hi: int) -> int:
        """Uniform epoch second in [lo, hi] (collapses to lo when the range is empty)."""
        return lo if hi <= lo else lo + int(self.random() * (hi - lo + 1))

    def later(self, created: int, p_same: float) -> int:
        """An `updated` instant: equal to created with probability p_same, else later."""
        if self.random() < p_same:
            return created
        return self.between(created, self.as_of)

    def live(self, value: bool) -> bool | str:
        """Mostly a bool, sometimes the "True"/"False" string seen in the wild."""
        if self.random() < 0.05:
            return "True" if value else "False"
        return value

    def extra_data(self) -> Any:
        """extra_data as null, object, JSON string or (rarely) a non-JSON plain string."""
        u = self.random()
        if u < 0.5:
            return None
        payload = {
            "source": self.pick(("web", "ios", "android", "import")),
            "segment": self.pick(("gold", "silver", "bronze")),
            "score": self.rint(0, 100),
        }
        if u < 0.75:
            return payload
        if u < 0.95:
            return _dumps(payload)
        return self.pick(_EXTRA_STRINGS)

    def components(self, bundle: bool, product_ids: list[str]) -> Any:
        """[] for plain products; bundles get the legacy "p1,p2" string or a list of objects."""
        if not bundle:
            return []
        picked = self.r.sample(product_ids, 2)
        if self.random() < 0.5:
            return ",".join(picked)
        return [
            {"public_id": self.hex_id(), "quantity": self.rint(1, 2), "product": pid}
            for pid in picked
        ]

    def string_or_int(self, value: int) -> int | str:
        """Loose integer fields flip between JSON numbers and numeric strings."""
        return value if self.random() < 0.5 else str(value)


def _reference_data(g: _Gen) -> dict[str, Any]:
    """Generate the small merchant-level objects and return lookups used later."""
    r, out, merchant = g.r, g.out, g.merchant
    # merchant cancel reasons: 12 distinct (cancel_reason, application) pairs.
    pairs = [(reason, app) for reason in _CANCEL_REASONS for app in _APPLICATIONS]
    r.shuffle(pairs)
    reasons: list[tuple[str, int]] = []
    for code, (reason, app) in enumerate(sorted(pairs[:12]), start=1):
        # Documented: {"cancel_reason": 12, "application": "msi"}; the text lives on the
        # subscription's cancel_reason.
        out.add("merchant_cancel_reasons", {"cancel_reason": code, "application": app}, "")
        reasons.append((reason, code))

    resources: list[str] = []
    for n in range(1, 31):
        created = g.between(g.start, g.as_of)
        resources.append(g.hex_id())
        out.add(
            "resources",
            {
                "merchant": merchant,
                "public_id": resources[-1],
                "name": f"{g.pick(_ADJ)} guide #{n}",
                "external_resource_id": f"RES-{n:04d}",
                "description": g.pick((None, "", "Members-only video", "Printable recipe")),
                "image_url": f"https://cdn.example.com/resources/{n}.png",
                "created": g.fmt(created),
                "last_updated": g.fmt(g.later(created, 0.4)),
            },
            g.fmt(created),
        )

    profiles: list[str] = []
    offers: list[str] = []
    available: list[str] = []
    for n in range(1, 21):
        created = g.between(g.start, g.start + 180 * _DAY)
        public_id = g.hex_id()
        status = "available" if g.random() < 0.75 or n == 1 else "archived"
        profile_offers = [g.hex_id() for _ in range(g.rint(1, 2))]
        out.add(
            "offer_profiles",
            {
                "public_id": public_id,
                "merchant": merchant,
                "name": f"Subscribe & Save {5 * (n % 4 + 1)}% (#{n})",
                "live": g.live(status == "available"),
                "status": status,
                "weight": g.pick((0, 0, 100)),
                "offers": profile_offers,
                "initial_coupon": _coupon(g, "initial") if g.random() < 0.6 else None,
                "recurring_coupon": _coupon(g, "recurring") if g.random() < 0.5 else None,
            },
            g.fmt(created),
        )
        profiles.append(public_id)
        offers += profile_offers
        if status == "available":
            available += profile_offers

    groups: list[tuple[str, str, str]] = []
    for n in range(1, 16):
        group_type = ("eligibility", "incentive", "sku_swap")[n % 3]
        created = g.fmt(g.between(g.start, g.start + 90 * _DAY))
        groups.append((group_type, f"Group {n:02d}", created))
    return {
        "reasons": reasons,
        "profiles": profiles,
        "offers": offers,
        "available": available,
        "groups": groups,
        "resources": resources,
    }


def _coupon(g: _Gen, kind: str) -> dict[str, Any]:
    """A nested offer-profile coupon with one or two discounts, shaped as documented:
    discount ``object`` and ``threshold_field`` are integers, values are decimal strings."""
    discounts = []
    for _ in range(g.rint(1, 2)):
        percent = g.random() < 0.6
        value = g.pick((5, 10, 15, 20)) * 100 if percent else g.rint(100, 1500)
        threshold = g.random() < 0.4
        discounts.append(
            {
                "public_id": g.hex_id(),
                "name": f"{g.money(value)} {'percent' if percent else 'USD'} off",
                "object": g.pick((1, 2, 3)),
                "field": g.pick(("sub_total", "price", "shipping_total")),
                "type": "percent" if percent else "fixed",
                "value": g.money(value),
                "threshold_field": g.pick((1, 2)) if threshold else None,
                "threshold_value": g.money(g.rint(10, 50) * 100) if threshold else None,
            }
        )
    incentives = []
    if g.random() < 0.3:  # a Product Specific Incentive (PSI), shaped freely: undocumented
        incentives.append(
            {"public_id": g.hex_id(), "standard": "PSI", "type": kind, "value": "5.00"}
        )
    return {
        "public_id": g.hex_id(),
        "name": f"{kind.title()} Coupon",
        "code": f"{kind}_coupon_{g.hex_id()[:6]}",
        "discounts": discounts,
        "standard_flex_incentives": incentives,
    }


def _products(g: _Gen, ref: dict[str, Any]) -> dict[str, Any]:
    """Generate products and fill product_groups.products consistently with products.groups."""
    r, out = g.r, g.out
    count = max(50, g.n_customers // 10)
    groups = ref["groups"]
    ids: list[str] = []
    prices: list[int] = []
    bundles: list[bool] = []
    plans: list[bool] = []
    orderable: list[int] = []
    for i in range(count):
        pid = f"{70_000_000 + i * 17 + g.rint(0, 16):010d}"
        created = g.between(g.start, g.start + 365 * _DAY)
        cents = g.rint(499, 12_999)
        bundle = g.random() < 0.08
        autoship = g.random() < 0.85 or i == 0
        discontinued = g.random() < 0.1 and i != 0
        picked = sorted(r.sample(range(len(groups)), g.pick((0, 1, 1, 2))))
        product_type = "bundle" if bundle else g.pick(("standard", "standard", "plan"))
        created_s = g.fmt(created)
        out.add(
            "products",
            {
                "merchant": g.merchant,
                "groups": [{"name": groups[gi][1], "group_type": groups[gi][0]} for gi in picked],
                "name": f"{g.pick(_ADJ)} {g.pick(_NOUN)} {i + 1}",
                "price": g.money(cents),
                "image_url": f"https://cdn.example.com/p/{pid}.jpg",
                "detail_url": f"https://shop.example.com/products/{pid}",
                "external_product_id": pid,
                "sku": f"SKU-{pid}",
                "autoship_enabled": autoship,
                "prepaid_eligible": g.random() < 0.2,
                "premier_enabled": int(g.random() < 0.1),
                "created": created_s,
                "last_update": g.fmt(g.later(created, 0.3)),
                "live": g.live(not discontinued),
                "discontinued": discontinued,
                "extra_data": g.extra_data(),
                "product_type": product_type,
                "autoship_by_default": g.random() < 0.3,
                "every": g.pick((1, 2, 4, 6)),
                "every_period": g.pick((2, 3, 3)),
                "offer_profile": g.pick(ref["profiles"]) if g.random() < 0.7 else None,
                "incentive_group": g.pick((None, None, "loyalty", "new-customer")),
                "product_selection_rules": _selection_rules(g, ids, pid)
                if g.random() < 0.05
                else [],
                "product_resource_grants": _grants(g, ref["resources"], pid, created_s)
                if product_type == "plan"
                else [],
                "product_free_trial_configurations": [
                    {
                        "public_id": g.hex_id(),
                        "duration_in_days": g.pick((7, 14, 30)),
                        "created": created_s,
                        "last_updated": created_s,
                    }
                ]
                if product_type == "plan" and g.random() < 0.5
                else [],
            },
            created_s,
        )
        ids.append(pid)
        prices.append(cents)
        bundles.append(bundle)
        plans.append(product_type == "plan")
        if autoship:
            orderable.append(i)
    for group_type, name, created in groups:
        out.add("product_groups", {"name": name, "group_type": group_type}, created)
    return {
        "ids": ids,
        "prices": prices,
        "bundles": bundles,
        "plans": plans,
        "orderable": orderable,
    }


def _selection_rules(g: _Gen, earlier: list[str], product: str) -> list[dict[str, Any]]:
    """One selection rule over products generated before (a rotating product).

    Ordinal (``starting_ordinal``) or, for odd product ids, time window (``starting_date``
    "2024-05-01T00:00:00Z", as the products list page's "Time window" example shows).
    """
    time_window = int(product) % 2 == 1
    elements = [
        {"public_id": g.hex_id(), "product": pid}
        | (
            {"starting_date": f"2024-{5 + ordinal:02d}-01T00:00:00Z"}
            if time_window
            else {"starting_ordinal": ordinal}
        )
        for ordinal, pid in enumerate(earlier[-3:])
    ]
    return [
        {
            "public_id": g.hex_id(),
            "selection_rule_type": "TIME_WINDOW" if time_window else "ordinal",
            "product_selection_list_elements": elements,
            "configuration": {"loop": g.random() < 0.5},
        }
    ]


def _grants(g: _Gen, resources: list[str], product: str, created: str) -> list[dict[str, Any]]:
    """A digital plan's resource grants: time credits in seconds, with the plan product
    and the grant's own timestamps (products list page, resource grants example)."""
    return [
        {
            "public_id": g.hex_id(),
            "resource": g.pick(resources),
            "product": product,
            "time_amount": g.pick((30, 365)) * 86_400,
            "grace_period": g.pick((None, 3 * 86_400)),
            "created": created,
            "last_updated": created,
        }
    ]


def generate(seed: int, customers: int, clock: LocalClock) -> Generated:
    """Build the whole dataset for ``seed`` and ``customers`` in one deterministic pass."""
    g = _Gen(seed, customers, clock)
    ref = _reference_data(g)
    products = _products(g, ref)
    _customers(g, ref, products)
    return g.out


def _customers(g: _Gen, ref: dict[str, Any], products: dict[str, Any]) -> None:
    """Generate every customer with its addresses, payments, subscriptions, orders and so on.

    One long function on purpose: it is the hot loop for million-record datasets, and local
    variable access is markedly faster than attribute access or helper calls in CPython.
    """
    out, fmt, money, hex_id = g.out, g.fmt, g.money, g.hex_id
    clock, merchant = g.clock, g.merchant
    add = out.add
    items_by_order = out.items_by_order
    start, as_of = g.start, g.as_of
    as_of_day = clock.local_day(as_of)
    pids, prices, bundles = products["ids"], products["prices"], products["bundles"]
    plans = products["plans"]
    orderable = products["orderable"]
    profiles = ref["profiles"]
    offers, available = ref["offers"], ref["available"]
    reasons = ref["reasons"]
    n = g.n_customers
    specials = {
        name: _Specials(expected)
        for name, expected in (
            ("customers", n),
            ("addresses", n * 3 // 2),
            ("subscriptions", n * 2),
            ("orders", n * 4),
            ("one_time_incentives", max(1, n // 5)),
        )
    }
    sp_customer = specials["customers"].apply
    sp_address = specials["addresses"].apply
    sp_subscription = specials["subscriptions"].apply
    sp_order = specials["orders"].apply
    sp_incentive = specials["one_time_incentives"].apply
    random_ = g.random
    randint = g.rint
    choice = g.pick

    for ci in range(n):
        muid = str(6_419_554_042_026 + ci * 7919 + randint(0, 7918))
        c_created = randint(start, as_of - 120 * _DAY)
        first, last = choice(_FIRST), choice(_LAST)
        c_created_s = fmt(c_created)
        # Every 7th customer buys in Canadian dollars (no random draw: the data stays as it
        # was otherwise), so analytics prove they never add up money across currencies.
        currency = "CAD" if ci % 7 == 3 else "USD"
        add(
            "customers",
            {
                "id": 1_000_000 + ci,  # documented on the customer retrieve page
                "merchant": merchant,
                "merchant_user_id": muid,
                "session_id": hex_id() if random_() < 0.6 else None,
                "user_token_id": f"tok_{muid}" if random_() < 0.3 else None,
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}{ci}@example.com".lower(),
                "phone_number": f"+1312555{randint(0, 9999):04d}" if random_() < 0.7 else None,
                "phone_type": choice((0, 1, 2, 2, 3, None)),
                "live": g.live(random_() < 0.9),
                "created": c_created_s,
                "last_updated": sp_customer(fmt(g.later(c_created, 0.35))),
                "last_login": fmt(g.between(c_created, as_of)) if random_() < 0.8 else None,
                "extra_data": g.extra_data(),
                "locale": choice((1, 1, 1, 2, None)),
                "price_code": choice((None, None, "default", "vip")),
            },
            c_created_s,
        )

        addresses: list[str] = []
        for ai in range(1 + (random_() < 0.5)):
            a_created = c_created if ai == 0 else g.between(c_created, as_of)
            a_id = hex_id()
            city, state, zip_prefix = choice(_CITIES)
            a_created_s = fmt(a_created)
            add(
                "addresses",
                {
                    "customer": muid,
                    "public_id": a_id,
                    "label": choice((None, "Home", "Work")),
                    "first_name": first,
                    "last_name": last,
                    "company_name": None if random_() < 0.9 else "Acme Inc.",
                    "address": f"{randint(1, 9999)} {choice(_STREETS)} St",
                    "address2": None if random_() < 0.8 else f"Apt {randint(1, 40)}",
                    "city": city,
                    "state_province_code": state,
                    "zip_postal_code": f"{zip_prefix}{randint(0, 99):02d}",
                    "phone": None if random_() < 0.5 else f"312555{randint(0, 9999):04d}",
                    "fax": None,
                    "country_code": "US",
                    "live": g.live(random_() < 0.95),
                    "created": a_created_s,
                    "updated": sp_address(fmt(g.later(a_created, 0.4))),
                    "token_id": None if random_() < 0.8 else hex_id(),
                    "store_public_id": None,
                },
                a_created_s,
            )
            addresses.append(a_id)

        payments: list[str] = []
        for pi in range(1 + (random_() < 0.1)):
            p_created = c_created + randint(1, 600) if pi == 0 else g.between(c_created, as_of)
            p_id = hex_id()
            p_created_s = fmt(p_created)
            add(
                "payments",
                {
                    "customer": muid,
                    "billing_address": choice(addresses),
                    "cc_number_ending": f"{randint(0, 9999):04d}",
                    "public_id": p_id,
                    "label": choice((None, "Personal card", "Business card")),
                    "token_id": hex_id(),
                    "cc_holder": f"{first} {last}",
                    "cc_type": randint(1, 6),
                    "cc_exp_date": f"{randint(1, 12):02d}/{randint(2024, 2031)}",
                    "payment_method": choice((1, 1, 1, 2)),
                    "live": g.live(random_() < 0.95),
                    "created": p_created_s,
                    "last_updated": fmt(g.later(p_created, 0.5)),
                },
                p_created_s,
            )
            payments.append(p_id)

        subs: list[tuple[str, int, str]] = []
        for _ in range(randint(0, 4)):
            s_created = g.between(c_created, as_of)
            s_id = hex_id()
            pidx = choice(orderable) if random_() < 0.95 else randint(0, len(pids) - 1)
            offer = choice(available) if random_() < 0.9 else choice(offers)
            every, period = choice(((1, 3), (2, 3), (3, 3), (4, 2), (6, 2), (30, 1), (1, 4)))
            cancelled_ts = g.between(s_created, as_of) if random_() < 0.25 else None
            if cancelled_ts is None:
                updated = g.later(s_created, 0.35)
                reason, code = None, None
            else:
                updated = g.later(cancelled_ts, 0.7)
                reason, code = choice(reasons)
            s_created_s = fmt(s_created)
            quantity = choice((1, 1, 1, 2, 3))
            add(
                "subscriptions",
                {
                    "customer": muid,
                    "merchant": merchant,
                    "product": pids[pidx],
                    "payment": choice(payments),
                    "shipping_address": choice(addresses),
                    "offer": offer,
                    "subscription_type": choice(("replenish", "replenish", "prepaid")),
                    "raw_subscription_type": choice(("Replenishment", "replenish", None)),
                    "components": g.components(bundles[pidx], pids),
                    "extra_data": g.extra_data(),
                    "public_id": s_id,
                    "product_attribute": None if random_() < 0.95 else "size:M",
                    "quantity": quantity,
                    "price": money(prices[pidx]) if random_() < 0.8 else None,
                    "frequency_days": every * (1, 7, 30, 365)[period - 1],
                    "reminder_days": choice((3, 5, 7)),
                    "every": every,
                    "every_period": period,
                    "start_date": s_created_s[:10],
                    "cancelled": fmt(cancelled_ts) if cancelled_ts is not None else None,
                    "cancel_reason": reason,
                    "cancel_reason_code": g.string_or_int(code) if code is not None else None,
                    "currency_code": currency,
                    "iteration": choice((None, "1", "2", "3")),
                    "sequence": choice((None, "0", "1")),
                    "session_id": hex_id() if random_() < 0.5 else None,
                    "merchant_order_id": f"SHOP-{randint(100000, 999999)}"
                    if random_() < 0.6
                    else None,
                    "customer_rep": None if random_() < 0.97 else "rep@example.com",
                    "club": None,
                    "created": s_created_s,
                    "updated": sp_subscription(fmt(updated)),
                    "live": g.live(cancelled_ts is None),
                    "external_id": None if random_() < 0.8 else f"EXT-{randint(1, 10**6)}",
                    "prepaid_subscription_context": None
                    if random_() < 0.9
                    else {
                        "prepaid_orders_remaining": randint(0, 6),
                        "prepaid_orders_per_billing": 3,
                    },
                    "free_trial_subscription_context": None
                    if random_() < 0.95
                    else {"free_trial_days": 14},
                    "grantees": [],
                    # Documented on the subscription retrieve page; derived from the id so
                    # the random stream (and every other seeded value) stays as it was.
                    "offer_profile_public_id": profiles[int(s_id[:4], 16) % len(profiles)]
                    if profiles and int(s_id[4:6], 16) < 128
                    else None,
                },
                s_created_s,
            )
            if cancelled_ts is None or random_() < 0.3:
                subs.append((s_id, pidx, offer))

        placed_orders: list[tuple[str, str, list[str]]] = []
        for _ in range(randint(1, 7)):
            u = random_()
            status = (
                1
                if u < 0.25
                else 5
                if u < 0.87
                else 4
                if u < 0.95
                else 3
                if u < 0.98
                else choice((6, 9, 17, 18))
            )
            o_id = hex_id()
            attempts: list[tuple[int, str]] = []
            cancelled_s: str | None = None
            tries = 0
            if status == 1:
                o_created = g.between(max(c_created, as_of - 150 * _DAY), as_of)
                place_day = as_of_day + randint(1, 120)
                o_updated = g.later(o_created, 0.4)
            else:
                o_created = g.between(c_created, as_of - 61 * _DAY)
                place_day = clock.local_day(o_created) + randint(1, 60)
                attempt = clock.from_local(place_day * _DAY) + randint(60, 3 * 3600)
                if status == 4:
                    cancelled = g.between(o_created, clock.from_local(place_day * _DAY) - 1)
                    cancelled_s = fmt(cancelled)
                    o_updated = cancelled
                else:
                    if status == 5 and random_() < 0.1:
                        attempts.append((attempt, "140"))
                        attempt += _DAY + randint(0, 3600)
                        tries = 1
                    code = {5: "000", 3: "140", 6: "000", 9: "999", 17: "000", 18: "140"}[status]
                    if status == 3:
                        tries = randint(1, 3)
                    attempts.append((attempt, code))
                    o_updated = attempt + randint(1, 90)
                if random_() < 0.15:
                    o_updated = g.between(o_updated, as_of)
            o_created_s = fmt(o_created)
            o_updated_s = sp_order(fmt(o_updated))
            place_s = clock.day_string(place_day) + " 00:00:00"

            item_ids: list[str] = []
            has_plan = False
            sub_total = discount = 0
            for _ in range(1 + (random_() < 0.5)):
                if subs and random_() < 0.7:
                    s_id, pidx, offer = choice(subs)
                    subscription: str | None = s_id
                    pct = choice((0, 5, 10, 15))
                else:
                    pidx = choice(orderable)
                    offer, subscription, pct = choice(offers), None, 0
                quantity = choice((1, 1, 1, 2, 3))
                line = prices[pidx] * quantity
                line_discount = line * pct // 100
                sub_total += line
                discount += line_discount
                i_id = hex_id()
                item_ids.append(i_id)
                has_plan = has_plan or plans[pidx]
                components = g.components(bundles[pidx], pids)
                add(
                    "items",
                    {
                        "order": o_id,
                        "offer": offer,
                        "subscription": subscription,
                        "product": pids[pidx],
                        "components": components,
                        "quantity": quantity,
                        "public_id": i_id,
                        "product_attribute": None,
                        "price": money(prices[pidx]),
                        "extra_cost": "0.00",
                        "total_price": money(line - line_discount),
                        "one_time": subscription is None,
                        "order_updated": o_updated_s,
                        "frozen": random_() < 0.02,
                        "first_placed": place_s if attempts and subscription else None,
                        "subscription_component": components[0]["public_id"]
                        if subscription and components.__class__ is list and components
                        else None,
                        # Gift items only (items list page); derived from the id, no draw.
                        "gift_context": {
                            "can_change_quantity": int(i_id[:2], 16) % 2 == 0,
                            "can_swap_sku": False,
                        }
                        if subscription is None and int(i_id[2:4], 16) < 16
                        else None,
                    },
                    o_created_s,
                )
            items_by_order[o_id] = item_ids
            tax = (sub_total - discount) * 8 // 100 if random_() < 0.4 else 0
            shipping = 0 if random_() < 0.7 else 599
            if status == 3:
                rejected: str | None = (
                    _dumps({"code": "140", "message": _RESPONSES["140"]})
                    if random_() < 0.5
                    else _RESPONSES["140"]
                )
            else:
                rejected = None
            u = random_()
            order_type: int | str = 1 if u < 0.8 else 2 if u < 0.9 else "2" if u < 0.95 else "1"
            add(
                "orders",
                {
                    "merchant": merchant,
                    "customer": muid,
                    "payment": choice(payments),
                    "shipping_address": choice(addresses),
                    "public_id": o_id,
                    "sub_total": money(sub_total),
                    "tax_total": money(tax),
                    "shipping_total": money(shipping),
                    "discount_total": money(discount),
                    "total": money(sub_total - discount + tax + shipping),
                    "created": o_created_s,
                    "updated": o_updated_s,
                    "place": place_s,
                    "cancelled": cancelled_s,
                    "tries": tries,
                    "generic_error_count": 1 if status == 9 else 0,
                    "status": status,
                    "type": order_type,
                    "order_merchant_id": f"#{randint(1000, 99_999_999)}"
                    if status in (5, 17)
                    else None,
                    "rejected_message": rejected,
                    "extra_data": g.extra_data(),
                    "locked": status == 1 and random_() < 0.02,
                    "oos_free_shipping": random_() < 0.03,
                    "currency_code": currency,
                    "has_plan": has_plan,
                },
                o_created_s,
            )
            for attempt, code in attempts:
                a_created_s = fmt(attempt)
                message = _RESPONSES[code]
                u = random_()
                payload_obj = {"order": o_id, "code": code, "message": message}
                payload: Any = _dumps(payload_obj) if u < 0.7 else payload_obj if u < 0.9 else None
                u = random_()
                transaction: Any = (
                    None
                    if u < 0.2
                    else {
                        "gateway": "stripe",
                        "status": "succeeded" if code == "000" else "declined",
                    }
                    if u < 0.5
                    else _dumps({"id": f"ch_{hex_id()[:24]}", "code": code})
                )
                add(
                    "placement_responses",
                    {
                        "public_id": hex_id(),
                        "order": o_id,
                        "response_code": code,
                        "response_message": message,
                        "created": a_created_s,
                        "response_payload": payload,
                        "transaction_response": transaction,
                    },
                    a_created_s,
                )
            if attempts and attempts[-1][1] == "000":
                placed_orders.append((o_id, fmt(attempts[-1][0]), item_ids))

        if random_() < 0.2:
            kind = choice(("percent", "fixed"))
            target = choice(("order", "item", "shipping"))
            applied = choice(placed_orders) if placed_orders and random_() < 0.6 else None
            if applied is not None:
                applied_at = applied[1]
                i_created = g.between(c_created, clock.to_ts(applied_at))
                i_updated_s = applied_at
            else:
                applied_at = None
                i_created = g.between(c_created, as_of)
                i_updated_s = fmt(g.later(i_created, 0.5))
            i_created_s = fmt(i_created)
            value = choice((5, 10, 15, 20)) * 100 if kind == "percent" else randint(300, 2000)
            add(
                "one_time_incentives",
                {
                    "public_id": hex_id(),
                    "external_code": choice(("WELCOME10", "SORRY5", None, f"OTI-{ci}")),
                    "description": choice((None, "Apology credit", "Loyalty reward")),
                    "merchant": merchant,
                    "customer": muid,
                    "order": applied[0] if applied else None,
                    "item": choice(applied[2]) if applied and target == "item" else None,
                    "created": i_created_s,
                    "last_updated": sp_incentive(i_updated_s),
                    "applied_at": applied_at,
                    "incentive": {
                        "type": "discount",
                        "public_id": hex_id(),
                        "discount_type": kind,
                        "target": target,
                        "field": {
                            "order": "sub_total",
                            "item": "price",
                            "shipping": "shipping_total",
                        }[target],
                        "name": f"{money(value)} {'%' if kind == 'percent' else 'USD'} off",
                        "value": money(value),
                    },
                },
                i_created_s,
            )
