"""`{% order_actions order %}`: the order page's refund / fulfilment slot (see order_actions_slot.html)."""

import re

from django import template
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from dashboard.time_display import time_html
from fulfilment import permissions, selectors
from fulfilment.models import ActionRequest, ActionState, Decision
from orders import section_cache
from orders.models import Order

register = template.Library()

SLOT = "fulfilment/_order_actions.html"
# Where a cached slot shows a request's age ("5 minutes ago"): the time itself, turned into the age per request.
_AGO = re.compile(r"<!--ago:([0-9T:.+\- ]+)-->")


def _stamp_sql() -> str:
    requests, decisions = ActionRequest._meta.db_table, Decision._meta.db_table  # names from the models
    counts = "COUNT(DISTINCT r.id), MAX(r.updated_at), COUNT(d.id), MAX(d.id)"
    mine = "COUNT(DISTINCT CASE WHEN r.maker_id = %s AND r.state = %s THEN r.id END)"
    joined = f"{requests} r LEFT JOIN {decisions} d ON d.request_id = r.id"
    return f"SELECT {counts}, {mine} FROM {joined} WHERE r.order_id = %s"  # noqa: S608


def requests_stamp(order: Order, user: User | AnonymousUser) -> str:
    """What the slot shows from the order's requests, in one query: how many, the latest change of any (every write
    of a request stamps `updated_at`), its decisions, and whether this viewer raised one still waiting (then its
    row has their Cancel button, and the key names them). Plain SQL: the page asks it on every view, and the
    ORM's compiling of this aggregate cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(), [user.pk or 0, ActionState.PENDING.value, order.pk])
        count, changed, decisions, last_decision, mine = cursor.fetchone()
    if not count:
        return "no-requests"
    maker = f":maker={user.pk}" if mine else ""
    return f"{count}:{changed}:{decisions}:{last_decision}{maker}"


@register.simple_tag(takes_context=True)
def order_actions(context: template.Context, order: Order) -> SafeString:
    """The slot's HTML, kept in the cache (orders/section_cache.py) under the order's version, `requests_stamp`,
    the viewer's two permissions that change it (see requests, raise them: never the person, unless the viewer
    raised a request still waiting; then also the page's address, where its Cancel form returns), zone and language. The
    CSRF token of a Cancel form and the requests' ages are filled in after the cache read."""
    request: HttpRequest | None = context.get("request")
    user = context.get("user") or (request.user if request is not None else AnonymousUser())

    def html(*, cached: bool) -> str:
        actions = selectors.order_actions(order, user)
        slot = {"actions": actions, "perms": context.get("perms"), "request": request}
        if cached:
            slot |= {"csrf_token": section_cache.CSRF_PLACEHOLDER, "ago_markers": True}
        else:
            slot["csrf_token"] = context.get("csrf_token")
        return render_to_string(SLOT, slot)

    if request is None:
        return mark_safe(html(cached=False))  # noqa: S308 - rendered by the template (autoescaped)
    can = "".join("1" if user.has_perm(p) else "0" for p in (permissions.VIEW, permissions.RAISE))
    stamp = requests_stamp(order, user)
    # Only the maker's Cancel forms name the page's address (to come back to): only their key holds it.
    path = f":path={request.get_full_path()}" if ":maker=" in stamp else ""
    extra = f"perms={can}:{stamp}{path}"
    key = section_cache.key(SLOT, "order-actions", order, unmasked=False, extra=extra)
    shown = section_cache.with_csrf(section_cache.rendered(key, lambda: html(cached=True)), request)
    # noqa below: the template's (autoescaped) HTML, with time_html's escaped <time> elements in it
    return mark_safe(_AGO.sub(lambda m: str(time_html(m.group(1), relative=True)), shown))  # noqa: S308


@register.filter
def order_link(order: Order) -> str:
    return selectors.order_url(order)
