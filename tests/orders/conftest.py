"""Fixtures of the order tests (`inline_tasks` moved to tests/fixtures/orders.py, used beyond them)."""
