"""What a person does on an order page, through the API: notes (list, add), refresh from Juspay (rate-limited),
reveal the personal data (Finance, Admin; audited). The same functions as the page's buttons
(`orders.notes.add_note`, `orders.services.refresh_now`, `orders.masking.reveal_order`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard import api_idempotency
from dashboard.api.permissions import HasPerm
from dashboard.api_docs import OPTIONAL_IDEMPOTENCY_KEY, problems
from dashboard.api_roles import allowed
from orders import masking, notes, search, services, token_reveals
from orders.models import Note, Order

MERCHANT = OpenApiParameter(
    "merchant", str, description="A merchant code: needed only when several merchants have this order id."
)
ORDER_ID = OpenApiParameter(
    "order_id", str, OpenApiParameter.PATH, description="The merchant's order id (Juspay's `order_id`)."
)
TAG = ["orders"]


class Ambiguous(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "ambiguous"


def order_in(request: Request, order_id: str) -> Order:
    """The cached order the URL names (`?merchant=` picks one when several merchants share the id)."""
    found = search.find_orders(
        order_id, (request.query_params.get("merchant") or "").strip() or None, viewer=request.user
    )
    if not found:
        raise exceptions.NotFound(f"No cached order {order_id!r}.")
    if len(found) > 1:
        codes = ", ".join(o.merchant.code for o in found)
        raise Ambiguous(f"Several merchants have order {order_id!r} ({codes}); add ?merchant=<code>.")
    return found[0]


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- Notes ------------------------------------------------------------------------------------------


class NoteSerializer(serializers.ModelSerializer[Note]):
    author = serializers.CharField(source="author.username", allow_null=True, read_only=True, default=None)
    # Emptiness and length are orders.notes' rules (its messages), not the serializer's.
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text=f"The note, at most {notes.MAX_LENGTH} characters."
    )

    class Meta:
        model = Note
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class NoteList(generics.ListCreateAPIView[Note]):
    serializer_class = NoteSerializer
    default_sort = ("created_at", True)

    def get_permissions(self) -> list[Any]:
        return [HasPerm("orders.add_note" if self.request.method == "POST" else "orders.view_order")()]

    def get_queryset(self) -> QuerySet[Note]:
        return Note.objects.filter(order=order_in(self.request, self.kwargs["order_id"])).select_related("author")

    @extend_schema(
        tags=TAG,
        summary="An order's notes, newest first",
        description="The internal notes people wrote on the order, as its page lists them.",
        parameters=[ORDER_ID, MERCHANT],
        responses={
            200: NoteSerializer(many=True),
            **problems(e401="No token or session.", e403="Your role may not see orders.", e404="No such order."),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        summary="Add a note",
        description="It shows on the order's timeline and in the audit log (emails and long numbers masked there).",
        parameters=[ORDER_ID, MERCHANT, OPTIONAL_IDEMPOTENCY_KEY],
        request=NoteSerializer,
        responses={
            201: NoteSerializer,
            **problems(
                e400="The note is empty or too long.",
                e401="No token or session.",
                e403="Your role may not add notes.",
                e404="No such order.",
                e422="The Idempotency-Key was used with another body.",
            ),
        },
        examples=[OpenApiExample("A note", value={"body": "Customer called; refund promised."}, request_only=True)],
    )
    def post(self, request: Request, order_id: str) -> Response:
        order = order_in(request, order_id)
        key = api_idempotency.read_key(request.headers, required=False)

        def action() -> tuple[int, dict[str, Any]]:
            body = NoteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                note = notes.add_note(order, body.validated_data["body"], author=_user(request))
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"body": error.messages}) from None
            return status.HTTP_201_CREATED, dict(NoteSerializer(note).data)

        return api_idempotency.respond_once(request, key, action)


# --- Refresh ----------------------------------------------------------------------------------------


class RefreshSerializer(serializers.Serializer[Any]):
    order_id = serializers.CharField()
    merchant = serializers.CharField()
    refreshed = serializers.BooleanField(help_text="false: Juspay could not be reached; the cached copy stays.")
    error = serializers.CharField(allow_null=True)
    changes = serializers.IntegerField(help_text="How many changes the refresh found (timeline events).")
    last_synced_at = serializers.DateTimeField(allow_null=True)


class Refresh(generics.GenericAPIView[Order]):
    permission_classes = allowed("orders.refresh_order")
    serializer_class = RefreshSerializer
    throttle_scope = "order_refresh"  # REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["order_refresh"] (API_THROTTLE_REFRESH)

    @extend_schema(
        tags=TAG,
        summary="Refresh the order from Juspay now",
        description="As the page's Refresh now: re-syncs the order (with the gateway's full answer) and its payout "
        "orders, noted on the timeline and audited. Rate-limited per token (API_THROTTLE_REFRESH).",
        parameters=[ORDER_ID, MERCHANT],
        request=None,
        responses={
            200: RefreshSerializer,
            **problems(
                e401="No token or session.",
                e403="Your role may not refresh orders.",
                e404="No such order.",
                e429="Too many refreshes; see Retry-After.",
            ),
        },
    )
    def post(self, request: Request, order_id: str) -> Response:
        order = order_in(request, order_id)
        result = services.refresh_now(order, actor=_user(request))
        order.refresh_from_db()
        data = {
            "order_id": order.order_id,
            "merchant": order.merchant.code,
            "refreshed": not result.error,
            "error": result.error or None,
            "changes": len(result.events),
            "last_synced_at": order.last_synced_at,
        }
        return Response(RefreshSerializer(data).data)


# --- Reveal -----------------------------------------------------------------------------------------


class RevealedCustomerSerializer(serializers.Serializer[Any]):
    customer_id = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class LabelledSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="e.g. Card, Name on card, Expiry")
    value = serializers.CharField()


class RevealSerializer(serializers.Serializer[Any]):
    order_id = serializers.CharField()
    merchant = serializers.CharField()
    revealed_until = serializers.DateTimeField(help_text="15 minutes, as on the page.")
    customer = RevealedCustomerSerializer()
    card = LabelledSerializer(many=True, help_text="The card block of the order, unmasked ([] when none).")


class Reveal(generics.GenericAPIView[Order]):
    permission_classes = allowed(masking.PERMISSION)
    serializer_class = RevealSerializer

    @extend_schema(
        tags=TAG,
        summary="Reveal the order's personal data (Finance, Admin)",
        description="Returns the customer's email and phone and the card details unmasked, and writes "
        "`order.pii_revealed` to the audit log (naming the token, if one was used). For 15 minutes "
        "(masking.REVEAL_SECONDS) the order's detail (`GET /api/v1/orders/{order_id}/`) then shows it unmasked "
        "to the same caller: with the browser session, also the order's pages; with a personal token, that "
        "token only (kept server-side), never the person's other tokens.",
        parameters=[ORDER_ID, MERCHANT],
        request=None,
        responses={
            200: RevealSerializer,
            **problems(e401="No token or session.", e403="Finance and Admin only.", e404="No such order."),
        },
    )
    def post(self, request: Request, order_id: str) -> Response:
        order = order_in(request, order_id)
        # A session keeps the reveal; a token, which has none, keeps it server-side (orders.token_reveals).
        reveals = token_reveals.reveals_for(request.session, request.auth)
        until = masking.reveal_order(reveals, order, actor=_user(request), via=token_reveals.token_label(request.auth))
        customer = masking.customer(order, unmasked=True)
        card_block = (order.raw or {}).get("card")
        data = {
            "order_id": order.order_id,
            "merchant": order.merchant.code,
            "revealed_until": until,
            "customer": {"customer_id": customer.customer_id, "email": customer.email, "phone": customer.phone},
            "card": [
                {"name": label, "value": value}
                for label, value in masking.card(card_block if isinstance(card_block, dict) else None, unmasked=True)
            ],
        }
        return Response(RevealSerializer(data).data)
