"""`{% order_actions order %}`: the order page's refund / fulfilment slot (see order_actions_slot.html)."""

from django import template

from fulfilment import selectors
from orders.models import Order

register = template.Library()


@register.inclusion_tag("fulfilment/_order_actions.html", takes_context=True)
def order_actions(context: template.Context, order: Order) -> dict[str, object]:
    user = context.get("user") or context["request"].user
    return {
        "actions": selectors.order_actions(order, user),
        "request": context.get("request"),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def order_link(order: Order) -> str:
    return selectors.order_url(order)
