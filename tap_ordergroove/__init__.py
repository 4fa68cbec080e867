"""Singer tap for Ordergroove subscription data."""
