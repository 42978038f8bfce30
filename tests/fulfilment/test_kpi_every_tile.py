"""Every tile of /kpis/, in every section, shows a delta, a sparkline and a link to the rows behind it.

The fixture (tests/fixtures/kpis.py) gives every tile a value, so a tile's link, shown only when there are rows
behind it, must be there: orders, refunds of each status, one fulfilled and one overdue charged order, payout
orders with fulfilments of each group, and requests in every state, all in 10-12 Mar 2025 (IST), seen on 20 Mar.
A tile added to any section without a sparkline, a delta or a link fails here, unless it is named in an
allow-list below with the reason.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest

from fulfilment import kpi_page
from tests.fixtures.kpis import BUSY_NOW, BUSY_QUERY

pytestmark = pytest.mark.django_db

# Tiles that are a snapshot as of now, whatever the period: the rollups keep no history of them (a payout order's
# or request's *current* state only), so they have no series to draw and no comparison period to compare with.
AS_OF_NOW = {
    "payout_pending",  # payout orders still pending after KPI_PAYOUT_PENDING_DAYS, now
    "queue_size",  # requests waiting for approval now
    "queue_oldest",  # the age of the oldest of them, now
}
NO_SPARKLINE = AS_OF_NOW
NO_DELTA = AS_OF_NOW
NO_LINK: set[str] = set()  # every figure has rows behind it


def _tiles(html: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="kpi-tile" data-kpi="([^"]+)">(.*?)</article>', html, re.S))


def test_every_tile_has_a_delta_a_sparkline_and_a_drill_down(busy_days, client_as):
    client = client_as("Manager")
    seen: dict[str, str] = {}
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=BUSY_NOW):
        for name in kpi_page.SECTIONS:
            response = client.get(f"/kpis/{name}/?{BUSY_QUERY}")
            assert response.status_code == 200, name
            tiles = _tiles(response.content.decode())
            assert tiles, f"the {name} section shows no tile"
            seen |= tiles
    assert len(seen) >= 30  # every section's tiles were found (the allow-lists name keys of real tiles)
    assert set(seen) >= (NO_SPARKLINE | NO_DELTA | NO_LINK)
    for key, tile in seen.items():
        value = re.search(r'<p class="kpi-value"[^>]*>(.*?)</p>', tile, re.S)
        assert value and value.group(1).strip() != "–", f"{key}: the fixture gives it no value; give it one"
        if key not in NO_SPARKLINE:
            assert "data-sparkline=" in tile, f"{key} has no sparkline"
        if key not in NO_DELTA:
            assert 'class="kpi-delta' in tile, f"{key} shows no delta against the comparison period"
        if key in NO_LINK:
            continue
        link = re.search(r'<header><a href="([^"]+)"', tile)
        assert link, f"{key} has no drill-down link"
        target = client.get(link.group(1).replace("&amp;", "&"))
        assert target.status_code == 200, f"{key}'s link answers {target.status_code}"
