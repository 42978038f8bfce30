"""The orders API: `/api/v1/orders/` and `/api/v1/payouts/`, lists and details.

Thin: the lists run the pages' own FilterSets (orders/filters.py, orders/payout_filters.py: the same filters,
search and sort), pages come from the API's keyset cursor pagination on the pages' sort keys, and the details
are the pages' presenters composed (orders/api_serializers.py), masked as the pages mask for the same person.
Permissions are the pages' (`orders.view_order`), for a session or a token alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.api.permissions import HasPerm
from dashboard.api.problems import problem_responses
from orders import paging, payout_presenters, presenters, search, token_reveals
from orders.api_serializers import (
    OrderDetailSerializer,
    OrderRowSerializer,
    PayoutDetailSerializer,
    PayoutRowSerializer,
    order_document,
    payout_document,
)
from orders.filters import OrderFilter
from orders.models import Order, PayoutOrder
from orders.payout_filters import PayoutFilter

VIEW_ORDERS = HasPerm("orders.view_order")
LIST_ERRORS = problem_responses(400, 401, 403, 429)
DETAIL_ERRORS = problem_responses(400, 401, 403, 404, 429)
MERCHANT = OpenApiParameter(
    "merchant",
    str,
    description="Our code of the merchant account; needed only when several merchants have this id.",
    required=False,
)

ORDER_ID = OpenApiParameter(
    "order_id",
    str,
    OpenApiParameter.PATH,
    description="The merchant's order id (Juspay's `order_id`), as on the order page's URL.",
    examples=[OpenApiExample("An order id", value="ORD-20261130-0042")],
)
PAYOUT_ORDER_ID = OpenApiParameter(
    "payout_order_id",
    str,
    OpenApiParameter.PATH,
    description="The payout order's id (Juspay's `orderId`), as on the payout page's URL.",
    examples=[OpenApiExample("A payout order id", value="PO-20261130-0007")],
)
PAYOUT_ROW_EXAMPLE = {
    "payout_order_id": "PO-20261130-0007",
    "merchant": "default",
    "status": {
        "value": "FULFILLMENTS_SUCCESSFUL",
        "meaning": "Every fulfilment succeeded",
        "known": True,
        "outcome": "success",
    },
    "type": "FULFILL_ONLY",
    "amount": {"amount": "1500.00", "currency": "INR"},
    "customer_id": "cust_8812",
    "manual_review": False,
    "beneficiary_types": ["ACCOUNT_IFSC"],
    "created_at": "2026-11-30T10:12:04Z",
    "last_synced_at": "2026-12-01T09:58:00Z",
}
ORDER_ROW_EXAMPLE = {
    "order_id": "ORD-20261130-0042",
    "merchant": "default",
    "status": {"value": "CHARGED", "meaning": "Successful transaction", "known": True, "outcome": "success"},
    "amount": {"amount": "38023.00", "currency": "INR"},
    "effective_amount": {"amount": "38023.00", "currency": "INR"},
    "customer_id": "cust_8812",
    "email": "r•••@example.com",
    "phone": "••••••5670",
    "payment_method_type": "CARD",
    "payment_method": "VISA",
    "gateway": "RAZORPAY",
    "refund_state": "partial",
    "fulfilment_state": "none",
    "created_at": "2026-11-30T10:12:04Z",
    "last_synced_at": "2026-12-01T09:58:00Z",
    "match": ["email"],
}


def _valid_filterset(view: GenericAPIView, request: Request, queryset: QuerySet[Any]) -> Any:
    """The page's FilterSet for these query parameters; a 400 problem naming each bad one."""
    filterset = DjangoFilterBackend().get_filterset(request, queryset, view)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset


def _sort(request: Request) -> tuple[str, bool]:
    return paging.SORT_KEYS.get(request.query_params.get("sort") or "newest", paging.SORT_KEYS["newest"])


def _one(found: list[Any], what: str, ident: str) -> Any:
    if not found:
        raise NotFound(f"No cached {what} {ident}.")
    if len(found) > 1:
        codes = ", ".join(sorted(o.merchant.code for o in found))
        raise ValidationError({"merchant": [f"Several merchants have {what} {ident}; name one: {codes}."]})
    return found[0]


class OrderList(GenericAPIView[Order]):
    permission_classes = [VIEW_ORDERS]
    serializer_class = OrderRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter

    def get_queryset(self) -> QuerySet[Order]:
        return Order.objects.visible_to(self.request.user).select_related("merchant")

    def get_sort(self, request: Request) -> tuple[str, bool]:
        return _sort(request)

    @extend_schema(
        operation_id="orders_list",
        summary="List and search orders",
        description=(
            "The orders list page's filters, search and sort (the same FilterSet). Without `q`, `period` or "
            "dates only the last 7 days are listed, as on the page. With `q` (order id, email, phone, customer "
            "id, txn id, RRN, udf, refund or payout id) the matches come ranked in one page (no cursor) with "
            "`match` saying why. Personal data is always masked in lists."
        ),
        responses={(200, "application/json"): OrderRowSerializer(many=True), **LIST_ERRORS},
        examples=[OpenApiExample("A charged order", value=ORDER_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        filterset = _valid_filterset(self, request, self.get_queryset())
        if filterset.query:
            found = list(filterset.qs)  # runs the search, which leaves its ranking on the FilterSet
            result = getattr(filterset, "search_result", None)
            rank = {pk: i for i, pk in enumerate(result.order_pks)} if result else {}
            reasons = {h.order.pk: (h.exact, h.reasons) for h in result.hits} if result else {}
            orders = sorted(found, key=lambda o: rank.get(o.pk, len(rank)))
            rows = presenters.list_rows(orders, reasons=reasons)
            return Response({"next": None, "previous": None, "results": self.get_serializer(rows, many=True).data})
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(presenters.list_rows(page or []), many=True).data)


class OrderDetail(GenericAPIView[Order]):
    permission_classes = [VIEW_ORDERS]
    serializer_class = OrderDetailSerializer

    @extend_schema(
        operation_id="orders_retrieve",
        summary="One order",
        description=(
            "Everything the order page shows: header, payment and transactions, refunds, split settlement, "
            "offers, Juspay's Fulfillment Sync commands and the timeline (latest 200 events). Personal data is "
            "masked exactly as on the page for the same person: unmasked for 15 minutes after a Finance or Admin "
            "reveal (`POST .../reveal/`) by the same session, or the same token."
        ),
        parameters=[ORDER_ID, MERCHANT],
        responses={(200, "application/json"): OrderDetailSerializer, **DETAIL_ERRORS},
    )
    def get(self, request: Request, order_id: str) -> Response:
        merchant = (request.query_params.get("merchant") or "").strip() or None
        order = _one(search.find_orders(order_id, merchant, viewer=request.user), "order", order_id)
        context = {**self.get_serializer_context(), "currency": order.currency}
        document = order_document(order, request.user, token_reveals.reveals_for(request.session, request.auth))
        return Response(self.get_serializer(document, context=context).data)


class PayoutList(GenericAPIView[PayoutOrder]):
    permission_classes = [VIEW_ORDERS]
    serializer_class = PayoutRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PayoutFilter

    def get_queryset(self) -> QuerySet[PayoutOrder]:
        return payout_presenters.with_fulfillment_types(
            PayoutOrder.objects.visible_to(self.request.user).select_related("merchant")
        )

    def get_sort(self, request: Request) -> tuple[str, bool]:
        return _sort(request)

    @extend_schema(
        operation_id="payouts_list",
        summary="List payout orders",
        description="The payouts list page's filters and sort (the same FilterSet); not windowed by date.",
        responses={(200, "application/json"): PayoutRowSerializer(many=True), **LIST_ERRORS},
        examples=[OpenApiExample("A payout order", value=PAYOUT_ROW_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        filterset = _valid_filterset(self, request, self.get_queryset())
        page = self.paginate_queryset(filterset.qs)
        rows = payout_presenters.list_rows(page or [])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class PayoutDetail(GenericAPIView[PayoutOrder]):
    permission_classes = [VIEW_ORDERS]
    serializer_class = PayoutDetailSerializer

    @extend_schema(
        operation_id="payouts_retrieve",
        summary="One payout order",
        description=(
            "Everything the payout order page shows: fulfilments and their transactions, payments and refunds "
            "(expand=payment,refund), the orders it names and the customer's others, and the timeline. "
            "Beneficiaries and payers are masked as on the page."
        ),
        parameters=[PAYOUT_ORDER_ID, MERCHANT],
        responses={(200, "application/json"): PayoutDetailSerializer, **DETAIL_ERRORS},
    )
    def get(self, request: Request, payout_order_id: str) -> Response:
        merchant = (request.query_params.get("merchant") or "").strip() or None
        payout = _one(
            search.find_payouts(payout_order_id, merchant, viewer=request.user), "payout order", payout_order_id
        )
        reveals = token_reveals.reveals_for(request.session, request.auth)
        return Response(self.get_serializer(payout_document(payout, request.user, reveals)).data)
