"""Demand forecasts and inventory: how much will sell, when it runs out, what to reorder."""
