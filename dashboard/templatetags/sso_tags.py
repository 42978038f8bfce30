"""`{% sso_button %}`: the "Sign in with <provider>" link on the login page, shown only while SSO is on."""

from typing import Any

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

from dashboard import sso

register = template.Library()


@register.inclusion_tag("registration/_sso_button.html", takes_context=True)
def sso_button(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    next_url = str(context.get("next") or "")
    if request is None or not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    return {"enabled": sso.enabled(), "provider_name": sso.provider_name(), "next": next_url}
