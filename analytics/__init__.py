"""Analytics: what shoppers searched and did, measured; experiment statistics."""
