"""A faithful local fake of Ordergroove's REST API for testing tap-ordergroove.

Test, demo and benchmark tool only: the tap's runtime code never imports it.

* :class:`~fake_ordergroove.dataset.Dataset` - deterministic related data (same seed and
  scale give identical records) with a thread-safe ``update``/``create``/``delete`` API.
* :class:`~fake_ordergroove.server.FakeOrdergroove` - stdlib HTTP server with v2 cursor and
  v1 page-number pagination, auth errors, filters, latency, fault injection, a request log
  and a ``/_control/`` API for other processes.
* ``python -m fake_ordergroove --port 8765 --api-key demo-key`` - serve in the foreground.

Record counts at the default scale (``Dataset(seed=42, customers=500)``, 9,477 records):

=========================  =====
customers                    500
subscriptions                948
orders                      1996
items                       3031
addresses                    756
payments                     549
products                      50
offer_profiles                20
one_time_incentives          113
product_groups                15
merchant_cancel_reasons       12
resources                     30
placement_responses         1457
=========================  =====

Per customer: ~1.5 addresses, ~1.1 payments, ~2 subscriptions, ~4 orders (62% status 5,
25% status 1 upcoming, 8% 4, 3% 3, rest 6/9/17/18), ~6 items, ~3 placement responses and
0.2 one-time incentives; products = max(50, customers // 10). ``customers=55_000`` gives
~1.04M records, ``customers=80_000`` ~1.5M.

Data spans 2023-01-01 .. 2025-12-31 (``generator.AS_OF`` is the dataset's "now"): upcoming
orders have ``place`` after it, and mutations stamp the real current time (or
``Dataset.freeze_time``), so anything changed through the API sorts after generated data.
"""

from .dataset import Dataset
from .server import FakeOrdergroove, RequestLog

__all__ = ["Dataset", "FakeOrdergroove", "RequestLog"]
