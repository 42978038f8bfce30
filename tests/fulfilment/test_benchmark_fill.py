"""`benchmark --sections fill` fills (or reuses) the synthetic orders and measures nothing: its phases are printed,
its marker left, its rollups equal to what the sync would have kept (tests/orders/test_kpi_rebuild.py checks the
rebuild itself); a second run reuses the rows. PostgreSQL only, like the fill."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from fulfilment.benchmark import fill
from orders.models import ChargedOrder, KpiBucket, Order

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the benchmark fills PostgreSQL: set DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("benchmark", "--orders=400", "--sections=fill", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_fill_only_fills_prints_its_phases_and_is_reused() -> None:
    out, err = _run()
    assert "filled 400 orders" in out
    assert "fill phases: rows " in err and "KPI rollups " in err and "VACUUM ANALYZE " in err
    assert fill.marker() == (400, fill.FILL_VERSION)
    account = fill.merchant()
    assert Order.objects.filter(merchant=account).count() == 400
    charged = Order.objects.filter(merchant=account, status="CHARGED").count()
    assert ChargedOrder.objects.filter(merchant=account).count() == charged > 0
    days = KpiBucket.objects.filter(merchant=account, metric="order", grain="d")
    assert sum(days.values_list("count", flat=True)) == 400

    out, _ = _run()
    assert "already there" in out


def test_fill_is_a_section_of_its_own() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="fill alone"):
        _run("--sections=fill,pages")
