"""Serializers of the orders API (orders and payout orders, masked as the pages)."""
