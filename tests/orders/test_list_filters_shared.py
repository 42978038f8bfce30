"""The orders list's FilterSet is built cheaply per request (orders/filters.py): its form class once per process
and its filters copied shallowly, yet each request's filters and form are its own, and the merchant choices are
the viewer's."""

import pytest
from django.test import RequestFactory

from dashboard.models import Merchant
from dashboard.people import limit_merchants
from orders.filters import OrderFilter
from orders.models import Order


def _filterset(user, query=""):
    request = RequestFactory().get("/orders/?" + query)
    request.user = user
    return OrderFilter(request.GET, queryset=Order.objects.visible_to(user), request=request)


@pytest.mark.django_db
def test_each_filterset_has_its_own_filters_bound_to_itself(make_user):
    user = make_user("Support")
    one, two = _filterset(user), _filterset(user)
    for name, filter_ in one.filters.items():
        other = two.filters[name]
        assert filter_ is not other and filter_.extra is not other.extra
        assert filter_.parent is one and other.parent is two
        if getattr(filter_, "_method", None):
            assert filter_.filter.f is filter_ and other.filter.f is other
    assert one.form is not two.form and one.form.fields["status"] is not two.form.fields["status"]


@pytest.mark.django_db
def test_the_method_filters_still_filter(make_user, cached_order):
    cached_order(order_id="ORDSHARED1", status="CHARGED", gateway="RAZORPAY")
    user = make_user("Support")
    found = _filterset(user, "status=charged&gateway=razorpay&period=all").qs
    assert [o.order_id for o in found] == ["ORDSHARED1"]
    assert not _filterset(user, "status=FAILED&period=all").qs.exists()


@pytest.mark.django_db
def test_the_merchant_choices_are_the_viewers_own_whoever_came_first(make_user):
    other = Merchant.objects.create(code="other", name="Other", merchant_id="other_m", api_key="k")
    mine = Merchant.objects.create(code="mine", name="Mine", merchant_id="mine_m", api_key="k")
    limited = make_user("Support")
    limit_merchants(limited, [mine], actor=make_user("Admin"))
    everyone = make_user("Support")
    seen = _filterset(limited).form.fields["merchant"].queryset
    assert list(seen) == [mine]
    assert {m.code for m in _filterset(everyone).form.fields["merchant"].queryset} >= {"mine", "other"}
    form = _filterset(limited, "merchant=other").form
    assert not form.is_valid() and "merchant" in form.errors
    assert other not in _filterset(limited).form.fields["merchant"].queryset
