"""`{% order_actions order %}`: the order page's refund / fulfilment slot (see order_actions_slot.html)."""

from typing import Any

from django import template

from fulfilment import selectors

register = template.Library()


@register.inclusion_tag("fulfilment/_order_actions.html", takes_context=True)
def order_actions(context: template.Context, order: Any) -> dict[str, Any]:
    user = context.get("user") or context["request"].user
    data = selectors.order_actions(order, user)
    data.update(
        {"request": context.get("request"), "perms": context.get("perms"), "csrf_token": context.get("csrf_token")}
    )
    return data


@register.filter
def order_link(order: Any) -> str:
    return selectors.order_url(order)
