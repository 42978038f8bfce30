from django.urls import path

from fulfilment.views import policy, queue, raising

app_name = "fulfilment"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("<int:pk>/", queue.detail, name="detail"),
    path("<int:pk>/approve/", queue.approve, name="approve"),
    path("<int:pk>/reject/", queue.reject, name="reject"),
    path("<int:pk>/cancel/", queue.cancel, name="cancel"),
    path("<int:pk>/retry/", queue.retry, name="retry"),
    path("<int:pk>/resolve/", queue.resolve, name="resolve"),
    path("bulk-approve/", queue.bulk_approve, name="bulk_approve"),
    path("new/refund/<int:order_pk>/", raising.raise_refund, name="raise_refund"),
    path("new/fulfilment/<int:order_pk>/", raising.raise_fulfilment, name="raise_fulfilment"),
    path("order/<int:order_pk>/", raising.order_actions, name="order_actions"),
    path("policy/", policy.policy_edit, name="policy"),
    path("policy/<int:pk>/approve/", policy.policy_approve, name="policy_approve"),
    path("policy/<int:pk>/reject/", policy.policy_reject, name="policy_reject"),
    path("policy/commands/", policy.command_add, name="command_add"),
    path("policy/commands/<int:pk>/remove/", policy.command_remove, name="command_remove"),
]
