"""``python -m tap_ordergroove.webhooks serve ...`` runs the receiver CLI."""

import sys

from tap_ordergroove.webhooks.cli import main

sys.exit(main())
