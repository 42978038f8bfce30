"""orders.copy_insert: COPY of new rows on PostgreSQL. Each value COPY writes must be what the field's own
`get_db_prep_save(pre_save(...))` gives (the shortcut for plain str/int/bool values may not change one), keys
come from the sequence, children name their parents saved a statement earlier, and no query is left for later."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, models

from orders.copy_insert import _plan, insert_rows, new_row
from orders.models import Order, OrderUdf, Refund, TimelineEvent, Transaction

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """auto_now_add columns read the clock in `pre_save`: one instant for both preparations."""
    monkeypatch.setattr("django.db.models.fields.timezone.now", lambda: NOW)


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def _values(row: models.Model) -> list[Any]:
    """What COPY writes for `row`, after the primary key."""
    _columns, prepares, _foreign = _plan(type(row))
    wrapper = connections["default"]
    return [_comparable(prepare(row, wrapper)) for prepare in prepares]


def _comparable(value: Any) -> Any:
    """psycopg's JSON wrappers compare by identity: compare what they wrap (and their type)."""
    return (type(value), value.obj) if hasattr(value, "obj") else value


def _reference(row: models.Model) -> list[Any]:
    """Django's own preparation of each of the row's columns, as `bulk_create` does it."""
    columns, _prepares, _foreign = _plan(type(row))
    return [_comparable(f.get_db_prep_save(f.pre_save(row, True), connection)) for f in columns[1:]]


def test_every_column_is_prepared_as_the_field_prepares_it(merchant):
    order = Order(
        merchant=merchant,
        order_id="ord-1",
        status="CHARGED",
        status_id=21,
        amount=Decimal("10.50"),
        currency="INR",
        customer_email="a@example.com",
        refunded=False,
        raw={"order_id": "ord-1", "amount": 10.5},
        udfs={"udf1": "x"},
        juspay_created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert _values(order) == _reference(order)


def test_values_of_another_type_still_go_through_the_field(merchant):
    """A shortcut only for exact types: an int in a CharField is made a str, a bool in an IntegerField an int,
    a str in an IntegerField an int, exactly as the field would."""
    order = Order(merchant=merchant, order_id=12345, status="CHARGED", status_id="21", sync_failures=True)
    values, reference = _values(order), _reference(order)
    assert values == reference
    columns = [f.name for f in _plan(Order)[0][1:]]
    assert values[columns.index("order_id")] == "12345"
    assert values[columns.index("status_id")] == 21 and type(values[columns.index("status_id")]) is not str
    assert values[columns.index("sync_failures")] == 1 and type(values[columns.index("sync_failures")]) is not bool


@postgresql_only
def test_rows_and_children_go_in_with_their_keys_and_no_later_query(merchant):
    orders = [Order(merchant=merchant, order_id=f"copy-{n}", status="NEW", raw={"n": n}) for n in range(3)]
    txns = [Transaction(order=o, txn_id=f"{o.order_id}-t", status="CHARGED", raw={}) for o in orders]
    udfs = [OrderUdf(order=o, slot=1, value=o.order_id) for o in orders]
    insert_rows(Order, orders)
    insert_rows(Transaction, txns)
    insert_rows(OrderUdf, udfs)
    assert all(o.pk and not o._state.adding for o in orders)
    saved = {t.txn_id: t.order_id for t in Transaction.objects.filter(order__merchant=merchant)}
    assert saved == {t.txn_id: o.pk for t, o in zip(txns, orders, strict=True)}
    assert list(OrderUdf.objects.filter(order__in=orders).order_by("order_id").values_list("value", flat=True)) == [
        "copy-0",
        "copy-1",
        "copy-2",
    ]
    assert Order.objects.get(order_id="copy-2").raw == {"n": 2}
    with pytest.MonkeyPatch.context() as patch:  # the parent assigned before it was saved is still the cached one
        patch.setattr(connection, "cursor", lambda: pytest.fail("a query after the insert"))
        assert [t.order for t in txns] == orders and [u.order for u in udfs] == orders


@postgresql_only
def test_an_unsaved_parent_is_refused(merchant):
    order = Order(merchant=merchant, order_id="never-saved", status="NEW")
    with pytest.raises(ValueError, match="unsaved related object 'order'"):
        insert_rows(Refund, [Refund(order=order, unique_request_id="r1", status="PENDING", raw={})])


@postgresql_only
def test_an_event_without_an_actor_goes_in_as_null(merchant):
    order = Order(merchant=merchant, order_id="with-event", status="NEW")
    insert_rows(Order, [order])
    event = TimelineEvent(order=order, at=datetime(2026, 1, 1, tzinfo=UTC), kind="order.discovered", source="import")
    insert_rows(TimelineEvent, [event])
    assert TimelineEvent.objects.get(pk=event.pk).actor_id is None


def _state_of(row: models.Model) -> tuple[dict[str, Any], dict[str, Any], str | None, bool]:
    data = {k: v for k, v in row.__dict__.items() if k != "_state"}
    return data, dict(row._state.fields_cache), row._state.db, row._state.adding


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Order, {"order_id": "o-1", "status": "NEW", "amount": Decimal("1.00"), "raw": {"a": 1}}),
        (Order, {"order_id": "o-2"}),  # every other column its default (callable defaults called per row)
        (Transaction, {"txn_id": "t-1", "status": "CHARGED", "raw": {}}),
        (OrderUdf, {"slot": 3, "value": "v"}),
        (TimelineEvent, {"kind": "order.discovered", "source": "import", "actor": None, "data": {"x": 1}}),
    ],
)
def test_new_row_is_the_instance_the_model_builds(merchant, model, values):
    parent = Order(merchant=merchant, order_id="parent", status="NEW")  # unsaved: its key comes at insert time
    related = {"merchant": merchant} if model is Order else {"order": parent}
    built, expected = new_row(model, **related, **values), model(**related, **values)
    assert type(built) is model
    assert _state_of(built) == _state_of(expected)
    assert [f.value_from_object(built) for f in model._meta.concrete_fields] == [
        f.value_from_object(expected) for f in model._meta.concrete_fields
    ]
    if model is not Order:
        assert built.order is parent


def test_new_row_leaves_the_errors_and_odd_names_to_django(merchant):
    with pytest.raises(TypeError, match="unexpected keyword"):
        new_row(Order, merchant=merchant, no_such_field=1)
    with pytest.raises(ValueError, match="must be a"):
        new_row(Transaction, order=merchant)
    by_key = new_row(Order, merchant_id=merchant.pk, order_id="by-key")
    assert by_key.merchant_id == merchant.pk and by_key.merchant == merchant
