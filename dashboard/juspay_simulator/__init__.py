"""A stand-in for Juspay's server-to-server APIs, built from Juspay's public API reference only:
- Order Status: https://juspay.io/api-reference/docs/express-checkout/order-status-api
- Refund: https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api
- Fulfillment Sync: https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api
- payout Order Status: https://juspay.io/api-reference/docs/payout/order-status
- webhooks: https://juspay.io/resources/docs/common-resources/webhooks

Run it with `python manage.py juspay_simulator`. The package imports nothing from the dashboard's
domain apps or from the Juspay client, so the client is tested against an independent implementation.
"""
