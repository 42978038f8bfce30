"""The request page's History reads as sentences about the request, not raw event kinds."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfilment import events, services
from fulfilment.history import readable_kind
from orders.models import SyncSource, TimelineEvent

pytestmark = pytest.mark.django_db


def history(client, pk: int) -> list[str]:
    html = client.get(reverse("fulfilment:detail", args=[pk])).content.decode()
    block = html[html.index("<h2>History</h2>") :]
    items = re.findall(r"<li>(.*?)</li>", block[: block.index("</ol>")], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_each_step_of_a_refund_is_a_sentence(client, make_user, charged_order, refund_request):
    sam = make_user("Support", username="sam", first_name="Sam")
    asha = make_user("Finance", username="asha")
    req = refund_request(charged_order, "12.00", maker=sam, comment="parcel lost")
    services.approve(req.pk, approver=asha, comment="ok to pay")
    events.action_sent(req.order, req.pk, services.describe(req), attempt=1, key=req.idempotency_key).save()
    events.action_succeeded(req.order, req.pk, services.describe(req), result="refund SUCCESS").save()
    client.force_login(make_user("Manager"))
    lines = history(client, req.pk)
    assert len(lines) == 4
    assert lines[0].endswith("Sam raised this refund of ₹12.00 (1 approval needed): “parcel lost”")
    assert lines[1].endswith("Asha approved it (1 of 1): “ok to pay”")
    assert lines[2].endswith("Sent to Juspay")
    assert lines[3].endswith("Juspay accepted it: refund SUCCESS")
    assert not any("action." in line for line in lines)


def test_rejection_cancellation_and_failure_read_as_sentences(client, make_user, charged_order, refund_request):
    maker, finance = make_user("Support", username="ravi"), make_user("Finance", username="meera")
    rejected = refund_request(charged_order, "5.00", maker=maker)
    services.reject(rejected.pk, approver=finance, comment="duplicate")
    cancelled = refund_request(charged_order, "6.00", maker=maker)
    services.cancel(cancelled.pk, actor=maker)
    events.action_failed(cancelled.order, cancelled.pk, "refund", error="Juspay said no", retry_safe=False).save()
    client.force_login(make_user("Manager"))
    assert history(client, rejected.pk)[-1].endswith("Meera rejected it: “duplicate”")
    told = history(client, cancelled.pk)
    assert told[1].endswith("Ravi cancelled it") and told[2].endswith("Juspay refused it: Juspay said no")


def test_an_unknown_kind_falls_back_to_words(client, make_user, charged_order, refund_request):
    req = refund_request(charged_order, "7.00")
    TimelineEvent.objects.create(
        order=charged_order,
        kind="action.re_opened",
        source=SyncSource.DASHBOARD,
        at=timezone.now(),
        data={"request": req.pk},
    )
    client.force_login(make_user("Manager"))
    assert history(client, req.pk)[-1].endswith("Re opened")
    assert readable_kind("put-on_hold") == "Put on hold"
