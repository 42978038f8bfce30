"""The approval KPIs against a hand-worked day, and the request rollup against a rebuild.

Kolkata day 10 Mar 2025 (times UTC): R5 raised 09:00 and expires unapproved; R1 raised 10:00, approved 11:00
(3600 s); R2 raised 10:30, rejected 12:30 (7200 s); R3 raised 11:00 and cancelled; R4 raised 11:30 and still
waits at 13:00. Raised 5; decided 2 (R1, R2): rejection rate 1/2, raise-to-decision p50 3600 s and p90 7200 s
(nearest rank); expiry rate 1/5; Juspay answered none, so no failure rate; queue 1, oldest 5400 s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest

from fulfilment import kpi_figures, kpi_rollups, services
from fulfilment.models import ActionRequest, ActionState, RequestFact
from orders.kpi_periods import Period

pytestmark = pytest.mark.django_db
DAY = Period(date(2025, 3, 10), date(2025, 3, 10))


def at(hour: int, minute: int = 0) -> mock._patch[mock.Mock]:
    return mock.patch("django.utils.timezone.now", return_value=datetime(2025, 3, 10, hour, minute, tzinfo=UTC))


@pytest.fixture
def day(charged_order, refund_request, make_user):
    finance, maker = make_user("Finance"), make_user("Support")
    with at(9):
        r5 = refund_request(charged_order, "10.00", maker=maker)
    with at(10):
        r1 = refund_request(charged_order, "10.00", maker=maker)
    with at(10, 30):
        r2 = refund_request(charged_order, "10.00", maker=maker)
    with at(11):
        r3 = refund_request(charged_order, "10.00", maker=maker)
        services.approve(r1.pk, approver=finance)
    with at(11, 30):
        r4 = refund_request(charged_order, "10.00", maker=maker)
        services.cancel(r3.pk, actor=maker)
    with at(12, 30):
        services.reject(r2.pk, approver=finance, comment="not this one")
    services.expire_due(now=r5.expires_at + timedelta(seconds=1))
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5}


def test_the_hand_worked_day(day):
    states = dict(ActionRequest.objects.values_list("pk", "state"))
    assert states[day["r5"].pk] == ActionState.EXPIRED and states[day["r4"].pk] == ActionState.PENDING
    with at(13):
        f = {fig.key: fig for fig in kpi_figures.approvals(DAY, None, None)}
    assert f["requests_raised"].value == 5
    assert (f["decision_p50"].value, f["decision_p90"].value) == (3600, 7200)
    assert f["rejection_rate"].value == 0.5
    assert f["expiry_rate"].value == 0.2
    assert f["failure_rate"].value is None and f["answer_p90"].value is None
    assert (f["queue_size"].value, f["queue_oldest"].value) == (1, 5400)


def test_no_requests():
    f = {fig.key: fig for fig in kpi_figures.approvals(DAY, DAY.previous(), None)}
    assert f["requests_raised"].value == 0 and f["rejection_rate"].value is None
    assert f["requests_raised"].delta == 0 and f["decision_p50"].delta is None


def test_approval_to_answer_runs_from_approval_to_juspays_answer():
    req = ActionRequest(
        pk=1,
        merchant_id=1,
        kind="refund",
        state=ActionState.SUCCEEDED,
        required_approvals=1,
        created_at=datetime(2025, 3, 10, 10, tzinfo=UTC),
        approved_at=datetime(2025, 3, 10, 11, tzinfo=UTC),
        finished_at=datetime(2025, 3, 10, 11, 0, 42, tzinfo=UTC),
    )
    fact = kpi_rollups.fact_of(req)
    assert (fact.decision_seconds, fact.answer_seconds) == (3600, 42)
    req.required_approvals = 0  # the policy let it through: nobody decided
    assert kpi_rollups.fact_of(req).decision_seconds is None


def test_the_services_keep_what_a_rebuild_gives(day):
    def facts() -> set[tuple[object, ...]]:
        return set(
            RequestFact.objects.values_list(
                "request_id",
                "merchant_id",
                "kind",
                "command",
                "state",
                "raised_at",
                "decision_seconds",
                "answer_seconds",
            )
        )

    kept = facts()
    assert len(kept) == 5
    assert kpi_rollups.rebuild() == 5
    assert facts() == kept


def test_the_queue_tile_links_to_the_queue_with_as_many_rows(day, client_as):
    fig = next(f for f in kpi_figures.queue_figures(None) if f.key == "queue_size")
    rows = client_as("Manager").get(fig.link).context["rows"]
    assert len(rows) == fig.value == 1


def test_every_approval_figure_links_to_the_requests_it_counts(day, client_as):
    """R1 (3600 s) and R2 (7200 s) decided: p50 lists both, p90 the one at 7200 s; rejected 1, expired 1."""
    with at(13):
        f = {fig.key: fig for fig in kpi_figures.approvals(DAY, None, None)}
    client = client_as("Manager")
    expected = {
        "requests_raised": {day[k].pk for k in ("r1", "r2", "r3", "r4", "r5")},
        "decision_p50": {day["r1"].pk, day["r2"].pk},
        "decision_p90": {day["r2"].pk},
        "rejection_rate": {day["r2"].pk},
        "expiry_rate": {day["r5"].pk},
        "queue_size": {day["r4"].pk},
    }
    for key, pks in expected.items():
        response = client.get(f[key].link)
        assert response.status_code == 200, key
        assert {row.req.pk for row in response.context["rows"]} == pks, key
        assert response.context["count"] in (None, len(pks)), key
    assert f["decision_p90"].detail == "1 request at p90 or slower"
    assert f["rejection_rate"].detail == "1 of 2" and f["expiry_rate"].detail == "1 of 5"
    assert f["failure_rate"].link == ""  # nothing answered: no rows behind it


def test_the_requests_list_says_how_many_and_refuses_a_bad_filter(day, client_as):
    client = client_as("Manager")
    html = client.get("/approvals/", {"raised_after": DAY.start.isoformat(), "raised_before": DAY.end.isoformat()})
    assert "5 requests behind a KPI figure" in html.content.decode()
    response = client.get("/approvals/?raised_after=yesterday&request_state=pending")
    assert response.status_code == 400
    assert "These filters could not be read" in response.content.decode()
    assert "Enter a valid date/time" in response.content.decode()
