"""The receiver's URL paths, shared by the app and the CLI that prints them.

Its own module so ``serve --help`` can name the webhook URL without importing the server
stack (starlette, uvicorn) that only ``serve`` itself needs.
"""

from __future__ import annotations

#: What Ordergroove's webhook route must point at (every event type).
WEBHOOK_PATH = "/webhooks/ordergroove"
#: Liveness/readiness check for a supervisor or load balancer.
HEALTH_PATH = "/health"
