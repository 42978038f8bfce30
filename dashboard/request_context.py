"""Who is acting, from where, under which request id: kept for the length of one request.

The middleware stamps every request with an id (taken from a well-formed incoming `X-Request-ID`,
otherwise new), sends it back as `X-Request-ID`, and keeps it with the client IP in a context
variable so that the audit log and the Juspay client can read them without being handed the request.
Celery tasks set the same context with `bind(...)`.
"""

import ipaddress
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_REQUEST_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    """The context of the running request or task; a fresh id when there is none."""
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext(request_id=new_request_id())
        _current.set(ctx)
    return ctx


def current_request_id() -> str:
    return current().request_id


@contextmanager
def bind(request_id: str | None = None, ip: str | None = None) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id or new_request_id(), ip=ip)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our TLS proxy (BEHIND_TLS_PROXY) the X-Forwarded-For entry
    that the trusted proxies appended, counted from the right (TRUSTED_PROXY_COUNT). Entries further left
    were written by the client and are ignored, so a forged header cannot pick the address."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.BEHIND_TLS_PROXY:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < settings.TRUSTED_PROXY_COUNT or settings.TRUSTED_PROXY_COUNT < 1:
        return remote
    return _valid_ip(hops[-settings.TRUSTED_PROXY_COUNT]) or remote


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_SHAPE.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]  # read by templates (base.html footer)
        with bind(request_id=request_id, ip=client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
