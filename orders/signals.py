"""What the orders domain announces once its transaction has committed, for the layers above it to act on.

The domain never imports its own tasks (the "orders" contract in `.importlinter`): it sends these from
`transaction.on_commit`, so whatever a receiver enqueues sees committed rows, and orders.tasks connects its
receivers in `OrdersConfig.ready()`. With no broker (the embedded default) those tasks run inline, as before.
"""

from django.dispatch import Signal

# A webhook was stored: its refresh can start (one naming nothing cached yet waits for orders.webhooks.retry_due).
# Sent with `event=WebhookEvent`.
webhook_stored = Signal()

# A CSV export too large to stream was queued: its file can be written. Sent with `export=OrderExport`.
export_queued = Signal()
