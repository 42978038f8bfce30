"""The audit log and the approvals queue show their active filters as chips, each a link that drops only it."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def chips(html: str) -> list[tuple[str, str]]:
    """(link, text) of each chip of the page's "Active filters" list."""
    found = re.search(r'<ul class="filter-chips" aria-label="Active filters">(.*?)</ul>', html, re.S)
    assert found, "no filter chips on the page"
    return [
        (href.replace("&amp;", "&"), re.sub(r"<[^>]+>|\s+", " ", text).split("×")[0].split())
        for href, text in re.findall(r'<a class="chip" href="([^"]+)"[^>]*>(.*?)</a>', found.group(1), re.S)
    ]


def test_the_audit_log_shows_each_active_filter_as_a_removable_chip(client_as):
    client = client_as("Manager")
    response = client.get("/audit/?actor=asha&date_from=2025-03-01")
    assert response.status_code == 200
    found = chips(response.content.decode())
    assert sorted(" ".join(words) for _, words in found) == ["Actor: asha", "From: 2025-03-01"]
    by_text = {" ".join(words).split(":")[0]: link for link, words in found}
    actor_link = by_text["Actor"]
    assert "actor=" not in actor_link and "date_from=2025-03-01" in actor_link
    assert "Clear all" in response.content.decode()
    assert 'class="filter-chips"' not in client.get(actor_link.replace("date_from=2025-03-01", "")).content.decode()


def test_the_queue_shows_a_kpi_drill_down_as_chips(client_as):
    client = client_as("Manager")
    response = client.get("/approvals/?request_state=rejected&kind=refund")
    assert response.status_code == 200
    found = chips(response.content.decode())
    texts = sorted(" ".join(words) for _, words in found)
    assert texts == ["Kind: Refund", "State: Rejected"]
    for link, words in found:
        name = "kind" if words[0] == "Kind:" else "request_state"
        other = "request_state=rejected" if name == "kind" else "kind=refund"
        assert f"{name}=" not in link and other in link


def test_no_filter_no_chips(client_as):
    assert 'class="filter-chips"' not in client_as("Manager").get("/audit/").content.decode()
    assert 'class="filter-chips"' not in client_as("Manager").get("/approvals/").content.decode()
