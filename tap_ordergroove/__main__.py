"""Allows ``python -m tap_ordergroove``."""

from tap_ordergroove.tap import TapOrdergroove

TapOrdergroove.cli()
