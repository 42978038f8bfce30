"""A stand-in for Juspay's server-to-server APIs, built from `shared/juspay/API.md` only.

Run it with `python manage.py juspay_simulator`. The package imports nothing from the dashboard's
domain apps or from the Juspay client, so the client is tested against an independent implementation.
"""
