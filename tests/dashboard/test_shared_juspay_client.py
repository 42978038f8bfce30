"""One httpx client per process and Juspay endpoint, reused by every call and thread (dashboard/juspay/connections.py),
over real HTTP against the simulator."""

import threading

import pytest
from django.db import connection

from dashboard.juspay import connections
from dashboard.juspay_access import client_for, config_for


@pytest.fixture
def fresh_pool():
    connections.close_all()
    yield
    connections.close_all()


@pytest.mark.django_db
def test_calls_and_threads_share_one_client_and_reuse_its_connections(sim_merchant, juspay_sim, fresh_pool):
    order_ids = juspay_sim.order_ids()[:4]
    seen_clients, errors = set(), []

    def work() -> None:
        try:
            for order_id in order_ids * 3:
                with client_for(sim_merchant) as juspay:
                    assert juspay.order_status(order_id).order_id == order_id
                    seen_clients.add(id(juspay._http))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(seen_clients) == 1 and connections.open_clients() == 1
    http = connections.shared_http(config_for(sim_merchant))
    assert not http.is_closed  # leaving `with client_for(...)` keeps the shared pool open
    pool = http._transport._pool  # httpcore's pool: 72 calls went over at most one connection per thread
    assert 1 <= len(pool.connections) <= 6


@pytest.mark.django_db
def test_another_merchant_or_key_gets_its_own_client_and_close_all_closes_them(sim_merchant, fresh_pool):
    first = connections.shared_http(config_for(sim_merchant))
    assert connections.shared_http(config_for(sim_merchant)) is first
    sim_merchant.api_key = "sk_other_key"
    other = connections.shared_http(config_for(sim_merchant))
    assert other is not first and connections.open_clients() == 2
    connections.close_all()
    assert first.is_closed and other.is_closed and connections.open_clients() == 0


def test_one_ssl_context_per_process():
    assert connections.ssl_context() is connections.ssl_context()


@pytest.mark.django_db
def test_a_client_given_a_transport_owns_it_and_closes_it(sim_merchant, fresh_pool):
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    juspay = client_for(sim_merchant, transport=transport)
    juspay.close()
    assert juspay._http.is_closed and connections.open_clients() == 0
