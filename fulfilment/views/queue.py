"""Finance's queue at /approvals/: list, detail, approve, reject, bulk approve, cancel, retry, resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from dashboard.access import SignedInRequest, requires
from dashboard.htmx import render_page_or_partial
from fulfilment import policy, selectors, services
from fulfilment.filters import RequestFilter
from fulfilment.forms import BulkApproveForm, DecisionForm
from fulfilment.models import ActionRequest


def _queue_context(request: SignedInRequest, *, outcome: list[tuple[int, str]] | None = None) -> dict[str, Any]:
    state = request.GET.get("state", "pending")
    if state not in dict(selectors.STATE_FILTERS):
        state = "pending"
    mine = request.GET.get("mine") == "1"
    viewer = selectors.Viewer.of(request.user)
    drill = RequestFilter(request.GET, queryset=ActionRequest.objects.visible_to(request.user), request=request)
    drilled, count = drill.active, None
    if drilled:
        rows, more, count = selectors.drilled_rows(
            viewer, drill.qs if drill.is_valid() else ActionRequest.objects.none(), session=request.session
        )
    else:
        rows, more = selectors.queue_rows(viewer, state=state, mine=mine, session=request.session)
    problems = dict(outcome or [])
    for row in rows:
        row.problem = problems.get(row.req.pk, "")
    return {
        "rows": rows,
        "more": more,
        "state": state,
        "mine": mine,
        "filters": selectors.STATE_FILTERS,
        "viewer": viewer,
        "bulk": viewer.can_approve and any(r.can_decide for r in rows),
        "outcome": outcome,
        "high_value_above": policy.active_policy().high_value_above,
        "drill": drill if drilled else None,
        "count": count,
    }


@requires("fulfilment.view_actionrequest")
def queue(request: SignedInRequest) -> HttpResponse:
    context = _queue_context(request)
    drill = context["drill"]
    status = 400 if drill is not None and not drill.is_valid() else 200  # the page says which value it refused
    return render_page_or_partial(request, "fulfilment/queue.html", "queue", context, status=status)


@requires("fulfilment.view_actionrequest")
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    get_object_or_404(ActionRequest.objects.visible_to(request.user), pk=pk)
    detail = selectors.request_detail(pk, selectors.Viewer.of(request.user), request.session)
    return render(request, "fulfilment/detail.html", {"detail": detail})


def _act(request: SignedInRequest, pk: int, action: Callable[[str], Any], done: str) -> HttpResponse:
    """Run one service call on a request; answer the htmx row, or redirect back with a message."""
    get_object_or_404(ActionRequest.objects.visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    problem = ""
    try:
        action(comment)
    except services.ActionError as error:
        problem = error.message
    if request.htmx:
        row = selectors.request_row(pk, selectors.Viewer.of(request.user), problem=problem, session=request.session)
        return render(request, "fulfilment/queue.html#row", {"row": row, "done": "" if problem else done})
    if problem:
        messages.error(request, f"#{pk}: {problem}")
    else:
        messages.success(request, f"#{pk}: {done}")
    return redirect(_safe_next(request) or reverse("fulfilment:detail", kwargs={"pk": pk}))


def _safe_next(request: SignedInRequest) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and ok else ""


@requires("fulfilment.approve_actionrequest")
@require_POST
def approve(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda comment: services.approve(pk, approver=request.user, comment=comment), "approval recorded"
    )


@requires("fulfilment.approve_actionrequest")
@require_POST
def reject(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda comment: services.reject(pk, approver=request.user, comment=comment), "rejected")


@requires("fulfilment.approve_actionrequest")
@require_POST
def retry(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda comment: services.retry(pk, actor=request.user, comment=comment), "queued to be sent again"
    )


@requires("fulfilment.approve_actionrequest")
@require_POST
def resolve(request: SignedInRequest, pk: int) -> HttpResponse:
    """Settle a request whose outcome is unknown, after checking with Juspay (services.resolve)."""
    outcome = request.POST.get("outcome", "")
    happened = outcome == "happened"

    def settle(comment: str) -> object:
        if outcome not in ("happened", "not_happened"):
            raise services.InvalidRequest("Say whether Juspay confirmed it took effect or not.")
        return services.resolve(pk, actor=request.user, happened=happened, comment=comment)

    return _act(
        request,
        pk,
        settle,
        "settled as done at Juspay" if happened else "settled as not done at Juspay; a retry is now possible",
    )


@requires("fulfilment.raise_actionrequest")
@require_POST
def cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda comment: services.cancel(pk, actor=request.user, comment=comment), "cancelled")


@requires("fulfilment.approve_actionrequest")
@require_POST
def bulk_approve(request: SignedInRequest) -> HttpResponse:
    """Two steps: the selection first comes back as a confirm step that shows the money being approved (the
    total per currency and the count, rendered here, not a browser alert); only its Confirm button, which
    posts back what was shown, approves. A selection whose total changed meanwhile is shown again."""
    pks = [int(p) for p in request.POST.getlist("requests") if p.isdigit()]
    form = BulkApproveForm(request.POST, pks=pks)
    if not form.is_valid() or not form.cleaned_data["requests"]:
        return _bulk_answer(request, [], "Select at least one request.")
    selection = selectors.bulk_selection(form.cleaned_data["requests"], selectors.Viewer.of(request.user))
    if not selection.rows:
        return _bulk_answer(request, [], "None of the selected requests is waiting for your decision.")
    shown = request.POST.get("confirm", "")
    if shown != selection.fingerprint:
        notice = "The selection changed since it was shown; check it again." if shown else ""
        return _bulk_confirm(request, selection, form.cleaned_data["comment"], notice)
    outcome = services.approve_many(selection.pks, approver=request.user, comment=form.cleaned_data["comment"])
    outcome += selection.left_out
    approved = sum(1 for _, problem in outcome if not problem)
    return _bulk_answer(request, outcome, f"Approved {approved} of {len(outcome)} selected.")


def _bulk_confirm(
    request: SignedInRequest, selection: selectors.BulkSelection, comment: str, notice: str
) -> HttpResponse:
    context = {"selection": selection, "comment": comment, "notice": notice, "query": request.GET.urlencode()}
    if not request.htmx:
        return render(request, "fulfilment/bulk_confirm.html", context)
    response = render(request, "fulfilment/queue.html#bulk_confirm", context)
    return reswap(retarget(response, "#bulk-step"), "innerHTML")  # also when the confirm step itself posted


def _bulk_answer(request: SignedInRequest, outcome: list[tuple[int, str]], summary: str) -> HttpResponse:
    approved = sum(1 for _, problem in outcome if not problem)
    if request.htmx:
        context = _queue_context(request, outcome=outcome)
        context["summary"] = summary
        return reswap(retarget(render(request, "fulfilment/queue.html#queue", context), "#queue"), "outerHTML")
    (messages.success if outcome and approved == len(outcome) else messages.warning)(request, summary)
    for pk, problem in outcome:
        if problem:
            messages.error(request, f"#{pk}: {problem}")
    return redirect("fulfilment:queue")
