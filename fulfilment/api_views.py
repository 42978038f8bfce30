"""The action-request API: list, detail, raise a refund or a Fulfilment Sync command, approve, reject, cancel,
retry, and resolve (settle an outcome Juspay's answer left unknown). Thin: each view reads the request, calls
the function of `fulfilment.services` the pages call, and answers with the request as `fulfilment.selectors.row_for`
shows it to the caller. A refusal is a problem (403 for who, 409 for a state, 400 naming the field, 422 for an
order that cannot take it), never a second rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard import api_idempotency
from dashboard.api_docs import IDEMPOTENCY_KEY, problems
from dashboard.api_roles import allowed
from fulfilment import permissions, selectors, services
from fulfilment.api_filters import ActionRequestFilter
from fulfilment.api_serializers import (
    ActionRequestSerializer,
    CommentSerializer,
    FulfilmentCreateSerializer,
    RefundCreateSerializer,
    RejectSerializer,
    ResolveSerializer,
)
from fulfilment.models import ActionRequest
from orders import search
from orders.models import Order

TAG = ["action requests"]
REQUEST_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The request's number (`id` in its JSON; #42 on the pages)."
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request is no longer in a state that allows this."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This cannot be done on this order."
    default_code = "unprocessable"


def refusal(error: services.ActionError, *, rename: dict[str, str] | None = None) -> exceptions.APIException:
    """The problem for a service's refusal: who (403), state (409), a field (400), the order (422)."""
    if isinstance(error, services.NotAllowed):
        return exceptions.PermissionDenied(error.message)
    if isinstance(error, services.StateConflict | services.AlreadyDecided):
        return Conflict(error.message)
    if error.field:
        return exceptions.ValidationError({(rename or {}).get(error.field, error.field): [error.message]})
    return Unprocessable(error.message)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # HasPerm let only signed-in people through
    return request.user


def _requests(request: Request) -> QuerySet[ActionRequest]:
    return (
        ActionRequest.objects.visible_to(request.user)
        .select_related("order__merchant", "maker")
        .prefetch_related("decisions__approver")
    )


def _shown(request: Request, req: ActionRequest) -> dict[str, Any]:
    row = selectors.row_for(req, selectors.Viewer.of(request.user))
    return dict(ActionRequestSerializer(row).data)


def _fresh(request: Request, pk: int) -> dict[str, Any]:
    return _shown(request, _requests(request).get(pk=pk))


def order_named(order_id: str, merchant: str, viewer: User) -> Order:
    """The cached order a raise body names (among those `viewer` may see); a 400 naming the field when there is
    none or several."""
    found = search.find_orders(order_id, merchant or None, viewer=viewer)
    if not found:
        raise exceptions.ValidationError({"order_id": [f"No cached order {order_id!r}; look it up first."]})
    if len(found) > 1:
        codes = ", ".join(o.merchant.code for o in found)
        raise exceptions.ValidationError(
            {"merchant": [f"Several merchants have order {order_id!r} ({codes}); name one."]}
        )
    return found[0]


SHOWN_EXAMPLE = {
    "id": 42,
    "kind": "refund",
    "state": "pending",
    "state_label": "Waiting for approval",
    "summary": "refund of INR 250.00",
    "order_id": "ORD-1001",
    "merchant": "default",
    "amount": {"amount": "250.00", "currency": "INR"},
    "command": "",
    "fulfillment_id": "",
    "unique_request_id": "JOR3F9A1C2B7D4E5F60",
    "reason_code": "CUSTOMER_REQUEST",
    "comment": "Customer returned the shoes",
    "maker": "priya",
    "moves_money": True,
    "required_approvals": 1,
    "approvals": 0,
    "approver_roles": ["Finance", "Admin"],
    "decisions": [],
    "created_at": "2026-12-01T10:15:00Z",
    "updated_at": "2026-12-01T10:15:00Z",
    "expires_at": "2026-12-04T10:15:00Z",
    "approved_at": None,
    "closed_at": None,
    "finished_at": None,
    "attempts": 0,
    "error": "",
    "retry_safe": False,
    "you_may": {"approve": True, "cancel": False, "retry": False, "resolve": False, "why_not": ""},
}


def shown(status_code: int) -> OpenApiExample:
    return OpenApiExample("A refund request", value=SHOWN_EXAMPLE, response_only=True, status_codes=[status_code])


@extend_schema(tags=TAG)
class ActionRequestList(generics.ListAPIView[ActionRequest]):
    """Refund and Fulfilment Sync requests, newest first, with what you may do with each."""

    permission_classes = allowed(permissions.VIEW)
    serializer_class = ActionRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActionRequestFilter
    default_sort = ("created_at", True)

    def get_queryset(self) -> QuerySet[ActionRequest]:
        return _requests(self.request)

    @extend_schema(
        summary="List requests",
        responses={
            200: ActionRequestSerializer(many=True),
            **problems(
                e400="A filter or cursor is not valid.",
                e401="No token or session.",
                e403="Your role may not see requests.",
            ),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        viewer = selectors.Viewer.of(request.user)
        data = ActionRequestSerializer([selectors.row_for(r, viewer) for r in rows], many=True).data
        return self.get_paginated_response(data)


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
class ActionRequestDetail(generics.GenericAPIView[ActionRequest]):
    permission_classes = allowed(permissions.VIEW)
    serializer_class = ActionRequestSerializer

    @extend_schema(
        summary="One request",
        description="The request with its decisions, and what you may do with it now (`you_may`).",
        examples=[shown(200)],
        responses={
            200: ActionRequestSerializer,
            **problems(e401="No token or session.", e403="Your role may not see requests.", e404="No such request."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_shown(request, get_object_or_404(_requests(request), pk=pk)))


REFUND_EXAMPLE = {
    "order_id": "ORD-1001",
    "amount": "250.00",
    "reason_code": "CUSTOMER_REQUEST",
    "comment": "Customer returned the shoes",
}
FULFILMENT_EXAMPLE = {
    "order_id": "ORD-1001",
    "fulfillment_command": "INITIATE_CREDIT",
    "fulfillment_status": "SUCCESS",
    "fulfillment_id": "AWB-77812",
    "fulfillment_data": "BlueDart AWB 77812",
}
CREATE_ERRORS = problems(
    e400="A field is not valid (named in `errors`), or the Idempotency-Key header is missing.",
    e401="No token or session.",
    e403="Your role may not raise requests.",
    e422="The order cannot take it (not paid), or the Idempotency-Key was used with another body.",
)


def _raise(
    request: Request, serializer_class: type[Any], submit: Callable[[Order, dict[str, Any], Any], services.Raised]
) -> Response:
    key = api_idempotency.read_key(request.headers, required=True)

    def action() -> tuple[int, dict[str, Any]]:
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order = order_named(data["order_id"], data.get("merchant", ""), _user(request))
        try:
            raised = submit(order, data, api_idempotency.token_for(_user(request), key))
        except services.ActionError as error:
            raise refusal(error) from None
        return (status.HTTP_201_CREATED if raised.created else status.HTTP_200_OK), _fresh(request, raised.request.pk)

    return api_idempotency.respond_once(request, key, action)


@extend_schema(tags=TAG)
class RaiseRefund(generics.GenericAPIView[ActionRequest]):
    permission_classes = allowed(permissions.RAISE)
    serializer_class = RefundCreateSerializer

    @extend_schema(
        summary="Raise a refund request",
        description="Waits for approval by someone else (maker ≠ checker), then is sent to Juspay exactly once.",
        parameters=[IDEMPOTENCY_KEY],
        request=RefundCreateSerializer,
        responses={201: ActionRequestSerializer, **CREATE_ERRORS},
        examples=[OpenApiExample("A refund", value=REFUND_EXAMPLE, request_only=True), shown(201)],
    )
    def post(self, request: Request) -> Response:
        def submit(order: Order, data: dict[str, Any], token: Any) -> services.Raised:
            return services.raise_refund(
                order,
                maker=_user(request),
                amount=data["amount"],
                reason_code=data["reason_code"],
                comment=data["comment"],
                form_token=token,
                split=data.get("split"),
            )

        return _raise(request, RefundCreateSerializer, submit)


@extend_schema(tags=TAG)
class RaiseFulfilment(generics.GenericAPIView[ActionRequest]):
    permission_classes = allowed(permissions.RAISE)
    serializer_class = FulfilmentCreateSerializer

    @extend_schema(
        summary="Raise a Fulfilment Sync request",
        description="One command of Juspay's Fulfillment Sync API; the approval policy says how many approvals "
        "it needs.",
        parameters=[IDEMPOTENCY_KEY],
        request=FulfilmentCreateSerializer,
        responses={201: ActionRequestSerializer, **CREATE_ERRORS},
        examples=[OpenApiExample("A delivery update", value=FULFILMENT_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        def submit(order: Order, data: dict[str, Any], token: Any) -> services.Raised:
            return services.raise_fulfilment(
                order,
                maker=_user(request),
                status=data["fulfillment_status"],
                command=data["fulfillment_command"],
                form_token=token,
                fulfillment_id=data["fulfillment_id"],
                fulfillment_time=data["fulfillment_time"],
                fulfillment_data=data["fulfillment_data"],
                split=data.get("split"),
                comment=data["comment"],
                amount=data["amount"],
            )

        return _raise(request, FulfilmentCreateSerializer, submit)


DECISION_ERRORS = problems(
    e400="A field is not valid.",
    e401="No token or session.",
    e403="Your role may not do this, or you raised the request (maker ≠ checker, superusers included).",
    e404="No such request.",
    e409="The request is not in a state that allows this, or you already decided on it.",
)


class Decision(generics.GenericAPIView[ActionRequest]):
    """One decision on a visible request (approve, reject, cancel, retry, resolve): the body is read by
    `serializer_class`, `act` calls the service, and the answer is the request as the caller now sees it. A
    refusal is a problem answer, its field named as in the body (`rename`: the service's name -> the body's)."""

    rename: dict[str, str] = {}

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        get_object_or_404(ActionRequest.objects.visible_to(request.user), pk=pk)
        body = self.get_serializer_class()(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            self.act(pk, _user(request), dict(body.validated_data))
        except services.ActionError as error:
            raise refusal(error, rename=self.rename) from None
        return Response(_fresh(request, pk))


def _decision_schema(summary: str, description: str, body: type[Any], **more: Any) -> Callable[[type[Decision]], Any]:
    """The OpenAPI operation of a decision view's POST (its body, the request as the answer, the problems)."""
    return extend_schema_view(
        post=extend_schema(
            summary=summary,
            description=description,
            request=body,
            responses=more.pop("responses", {200: ActionRequestSerializer, **DECISION_ERRORS}),
            examples=more.pop("examples", [shown(200)]),
            **more,
        )
    )


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
@_decision_schema(
    "Approve",
    "One approval by you (someone other than its maker, superusers included). The last one "
    "needed approves the request, which is then sent to Juspay exactly once.",
    CommentSerializer,
)
class Approve(Decision):
    permission_classes = allowed(permissions.APPROVE)
    serializer_class = CommentSerializer

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        return services.approve(pk, approver=user, comment=body["comment"])


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
@_decision_schema(
    "Reject (with a reason)",
    "Closes a waiting request; the maker sees the reason. Never by its maker.",
    RejectSerializer,
)
class Reject(Decision):
    permission_classes = allowed(permissions.APPROVE)
    serializer_class = RejectSerializer
    rename = {"comment": "reason"}

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        return services.reject(pk, approver=user, comment=body["reason"])


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
@_decision_schema(
    "Cancel your own waiting request",
    "Only the request's maker, and only while it waits for approval.",
    CommentSerializer,
)
class Cancel(Decision):
    permission_classes = allowed(permissions.RAISE)
    serializer_class = CommentSerializer

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        return services.cancel(pk, actor=user, comment=body["comment"])


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
@_decision_schema(
    "Send a failed request again with its key",
    "Only when its failure left that safe, and never by its maker.",
    CommentSerializer,
)
class Retry(Decision):
    permission_classes = allowed(permissions.APPROVE)
    serializer_class = CommentSerializer

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        return services.retry(pk, actor=user, comment=body["comment"])


RESOLVE_EXAMPLE = {"outcome": "happened", "comment": "Juspay support (Ravi, 1 Dec 11:05) confirms ref RF-77812 went"}
RESOLVED_EXAMPLE = {
    **SHOWN_EXAMPLE,
    "kind": "fulfilment",
    "state": "succeeded",
    "state_label": "Succeeded",
    "summary": "INITIATE_REFUND of INR 250.00 (id RF-77812)",
    "command": "INITIATE_REFUND",
    "fulfillment_id": "RF-77812",
    "unique_request_id": "",
    "reason_code": "",
    "approvals": 1,
    "attempts": 1,
    "finished_at": "2026-12-01T11:06:00Z",
    "you_may": {"approve": False, "cancel": False, "retry": False, "resolve": False, "why_not": ""},
}


@extend_schema(tags=TAG, parameters=[REQUEST_ID])
@_decision_schema(
    "Settle a request whose outcome is unknown",
    "For a request in state `unresolved`: a money-moving command whose answer from Juspay was "
    "lost and whose outcome Order Status cannot show, so it is never sent again on its own. Ask Juspay, then "
    "record what they confirmed: `happened` settles it as succeeded; `not_happened` as failed, after which a "
    "retry (same key) is safe. Nothing is sent to Juspay from here. As the request page's settle form: an "
    "approver the request's policy names, never its maker (superusers included); audited "
    "(`action.resolved`) and on the order's timeline.",
    ResolveSerializer,
    responses={
        200: ActionRequestSerializer,
        **problems(
            e400="`outcome` is not `happened` or `not_happened`, or `comment` is missing or blank.",
            e401="No token or session.",
            e403="Your role may not settle requests, the request's policy needs another role, or you raised it "
            "(maker ≠ checker, superusers included).",
            e404="No such request.",
            e409="The request is not waiting to be settled (not `unresolved`), or someone settled it first.",
        ),
    },
    examples=[
        OpenApiExample("Juspay confirms it took effect", value=RESOLVE_EXAMPLE, request_only=True),
        OpenApiExample(
            "Juspay confirms it did not",
            value={"outcome": "not_happened", "comment": "Juspay ticket 5521: no refund RF-77812 on their side"},
            request_only=True,
        ),
        OpenApiExample("Settled", value=RESOLVED_EXAMPLE, response_only=True, status_codes=[200]),
    ],
)
class Resolve(Decision):
    permission_classes = allowed(permissions.APPROVE)
    serializer_class = ResolveSerializer

    def act(self, pk: int, user: User, body: dict[str, Any]) -> object:
        return services.resolve(pk, actor=user, happened=body["outcome"] == "happened", comment=body["comment"])
