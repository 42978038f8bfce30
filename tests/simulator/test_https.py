"""`manage.py juspay_simulator` itself: HTTPS with --certfile/--keyfile (a self-signed certificate made for
the test) and the clock flags. The one test that boots the simulator as a process; the others serve it
in-process (tests/fixtures/simulator.py)."""

import shutil
import ssl
import subprocess

import httpx
import pytest

from tests.fixtures.simulator import simulator_process

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def test_simulator_command_serves_https_with_a_frozen_clock(certificate):
    cert, _key = certificate
    flags = ("--latency", "none", "--speed", "0", "--start-time", "2025-01-15T10:00:00Z")
    with simulator_process(*flags, orders=12, https=certificate, ca_file=cert) as sim:
        frozen_first = sim.now()
        order_id = sim.order_ids()[0]
        trusted = sim.http.get(f"/orders/{order_id}")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{sim.base_url}/orders/{order_id}", auth=sim.auth, verify=ssl.create_default_context())
        plain = sim.base_url.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/orders/{order_id}", auth=sim.auth, timeout=2)
        frozen_second = sim.now()
        advanced = sim.advance(90)

    assert sim.base_url.startswith("https://127.0.0.1:")
    assert trusted.status_code == 200 and trusted.json()["order_id"] == order_id
    assert frozen_first == frozen_second == 1736935200
    assert advanced["now"] == "2025-01-15T10:01:30Z"
