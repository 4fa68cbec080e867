"""The Singer SDK's standard tap tests, run against the fake API over real HTTP."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_ordergroove.tap import TapOrdergroove
from tests.conftest import start_fake, tap_config

# The SDK builds its test class at import time, so this module owns one fake of its own.
_FAKE = start_fake(customers=60, seed=3)
atexit.register(_FAKE.stop)

TestTapOrdergroove = get_tap_test_class(
    tap_class=TapOrdergroove,
    config=tap_config(_FAKE, page_size=25),
    suite_config=SuiteConfig(max_records_limit=None),
)

#: The fake's subscriptions carry no grantees (Ordergroove documents the field for gifting
#: only); the derivation is tested on a documented record in test_children.py, so "returns a
#: record" is left out for this one table (not skipped).
NOT_IN_THE_FAKE = {"subscription_grantees"}
TestTapOrdergroove.params["test_tap_stream_returns_record"] = [
    param
    for param in TestTapOrdergroove.params["test_tap_stream_returns_record"]
    if param.id not in NOT_IN_THE_FAKE
]
