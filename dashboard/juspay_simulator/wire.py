"""HTTP plumbing on raw ASGI: reading requests, form/JSON bodies, Basic auth, sending or dropping answers."""

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass
from urllib.parse import parse_qs

MAX_BODY = 1 << 20


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[-1] if values else default


async def read_request(scope: dict, receive) -> Request:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY or not message.get("more_body"):
            break
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    query = parse_qs(scope["query_string"].decode("latin-1")) if scope["query_string"] else {}
    return Request(scope["method"], scope["path"], query, headers, b"".join(chunks))


def parse_fields(request: Request) -> dict | None:
    """Form-encoded or JSON body as a dict (None when the body cannot be read as either)."""
    if not request.body.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    if "json" in content_type or request.body.lstrip()[:1] == b"{":
        try:
            data = json.loads(request.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    try:
        form = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[-1] for key, values in form.items()}


def basic_username(header: str) -> str | None:
    """The username of a Basic Authorization header (Juspay: the API key, with an empty password).

    Two forms are accepted. The documented one is base64 of `api_key:` ("Username: API Key ... Password: Empty
    string", https://juspay.io/api-reference/docs/express-checkout/order-status-api). Juspay's official Node SDK
    (`expresscheckout-nodejs` 1.0.0, `JuspayResource.makeServiceCall`) sends base64 of the bare key, with no
    colon, and real Juspay accepts it; the docs say nothing about that form, so accepting it contradicts no
    documented rule (tests/sdk drives that SDK against the simulator). Anything else is refused.
    """
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, _separator, _password = decoded.partition(":")
    return username or None


async def send(
    send_fn, status: int, body: bytes, headers: list[tuple[bytes, bytes]], content_type: bytes = b"application/json"
) -> None:
    await send_fn(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send_fn({"type": "http.response.body", "body": body})


def send_json(send_fn, status: int, data: dict | list, headers: list[tuple[bytes, bytes]]):
    return send(send_fn, status, json.dumps(data, separators=(",", ":")).encode(), headers)


async def wait_for_disconnect(receive, timeout: float) -> bool:
    """Hold the request for `timeout` seconds or until the client goes away; True if it went away."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), timeout)
    except TimeoutError:
        return False
    return True


async def drop_connection(receive) -> None:
    """Close the TCP connection without sending a byte (uvicorn keeps the transport on `receive`'s owner)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is not None:
        transport.close()
        await wait_for_disconnect(receive, 1.0)
