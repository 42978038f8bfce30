"""Juspay's official Node SDK (`expresscheckout-nodejs`, pinned in tests/sdk/package-lock.json) against the
simulator over HTTPS: Order Status of a known order, a refund, and the same `unique_request_id` refused.

`make test` installs the package (`npm ci --prefix tests/sdk`). Without it (no npm, or the install not run),
without node or without openssl, these tests fail when `CI` is set (CI must run them) and skip, saying why,
otherwise.

The simulator is served over HTTPS in this process (the server and handle of tests/fixtures/simulator.py) with
a self-signed certificate made here; node trusts it through NODE_EXTRA_CA_CERTS.
tests/sdk/official_sdk_contract.cjs makes the SDK calls and prints what the SDK parsed; these tests read that
output and the simulator's state.
"""

import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.juspay_simulator.faults import Faults
from dashboard.juspay_simulator.server import BackgroundServer
from dashboard.juspay_simulator.simulation import SimulatorConfig
from tests.fixtures.simulator import API_KEY, MERCHANT_ID, SimulatorHandle

SDK_DIR = Path(__file__).resolve().parent
SCRIPT = SDK_DIR / "official_sdk_contract.cjs"
SDK_PACKAGE = "expresscheckout-nodejs"
INSTALLED_MANIFEST = SDK_DIR / "node_modules" / SDK_PACKAGE / "package.json"
REFUND_KEY = "sdk-contract-refund-1"
REFUND_AMOUNT = "250.50"
ORDER_AMOUNT = 1999.0

# One simulator and one node run for the module: keep its tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("official_sdk")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def unavailable(reason: str) -> None:
    """Fail under CI, where the contract must be checked; skip with the reason elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the official SDK contract test must run)", pytrace=False)
    pytest.skip(reason)


def pinned_version() -> str:
    lock = json.loads((SDK_DIR / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{SDK_PACKAGE}"]["version"]


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        unavailable("node is not installed (Debian: apt-get install -y nodejs npm)")
    if not INSTALLED_MANIFEST.exists():
        unavailable(f"{SDK_PACKAGE} is not installed in tests/sdk/node_modules: run `npm ci --prefix tests/sdk`")
    installed = json.loads(INSTALLED_MANIFEST.read_text())["version"]
    if installed != pinned_version():
        unavailable(f"tests/sdk/node_modules has {SDK_PACKAGE} {installed}, the lock pins {pinned_version()}")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        unavailable("needs the openssl CLI to make the simulator's certificate")
    folder = tmp_path_factory.mktemp("sdk-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key)]
        + ["-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture(scope="module")
def https_simulator(node: str, certificate: tuple[str, str]) -> Iterator[SimulatorHandle]:
    """The simulator served over TLS on a thread of this process, like `start_simulator` (which serves plain
    HTTP): building it takes milliseconds, where booting `manage.py juspay_simulator` took 3 to 15 s here."""
    cert, key = certificate
    config = SimulatorConfig(
        api_key=API_KEY,
        merchant_id=MERCHANT_ID,
        port=0,
        seed=7,
        orders=5,
        speed=0.0,
        certfile=cert,
        keyfile=key,
        faults=Faults().updated({"latency": "none"}),
    )
    server = BackgroundServer(config).start()
    handle = SimulatorHandle(f"https://127.0.0.1:{server.port}", verify=ssl.create_default_context(cafile=cert))
    try:
        yield handle
    finally:
        handle.close()
        server.stop()


@pytest.fixture(scope="module")
def order_id(https_simulator: SimulatorHandle) -> str:
    return https_simulator.create_order(amount=ORDER_AMOUNT, status="CHARGED", payment_method_type="CARD")


@pytest.fixture(scope="module")
def sdk_run(node: str, certificate: tuple[str, str], https_simulator: SimulatorHandle, order_id: str) -> dict:
    """Run the script once: its parsed JSON output."""
    env = {
        **os.environ,
        "NODE_EXTRA_CA_CERTS": certificate[0],
        "JUSPAY_BASE_URL": https_simulator.base_url,
        "JUSPAY_API_KEY": https_simulator.api_key,
        "JUSPAY_MERCHANT_ID": https_simulator.merchant_id,
        "ORDER_ID": order_id,
        "REFUND_UNIQUE_REQUEST_ID": REFUND_KEY,
        "REFUND_AMOUNT": REFUND_AMOUNT,
        "NODE_ENV": "test",
    }
    done = subprocess.run(  # noqa: S603 (our own script)
        [node, str(SCRIPT)], cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"the SDK script exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    return json.loads(done.stdout)


def test_the_pinned_sdk_ran(sdk_run):
    assert sdk_run["sdk"] == {"name": SDK_PACKAGE, "version": pinned_version()}


def test_order_status_through_the_sdk_returns_the_known_order(sdk_run, order_id):
    step = sdk_run["order_status"]

    assert step["ok"], f"the SDK's Order Status failed: {step.get('error')}"
    assert step["http_status"] == 200
    order = step["body"]
    assert order["order_id"] == order_id
    assert order["status"] == "CHARGED" and order["status_id"] == 21
    assert order["amount"] == ORDER_AMOUNT
    assert order["merchant_id"] == MERCHANT_ID


def test_refund_through_the_sdk_is_accepted_and_listed_on_the_order(sdk_run, order_id):
    step = sdk_run["refund"]

    assert step["ok"], f"the SDK's refund failed: {step.get('error')}"
    assert step["http_status"] == 200
    assert step["body"]["order_id"] == order_id
    refunds = step["body"]["refunds"]
    assert [(r["unique_request_id"], r["amount"], r["status"]) for r in refunds] == [
        (REFUND_KEY, float(REFUND_AMOUNT), "PENDING")
    ]


def test_repeating_the_unique_request_id_is_refused_as_juspay_documents(sdk_run):
    step = sdk_run["repeated_refund"]

    assert not step["ok"], "the SDK's second refund with the same unique_request_id was accepted"
    error = step["error"]
    assert error["name"] == "InvalidRequestError"  # the SDK's class for HTTP 400/404
    assert error["status"] == "ERROR" and error["error_code"] == "duplicate.call"
    assert "unique_request_id" in error["error_message"]


def test_the_simulator_holds_exactly_one_refund(sdk_run, https_simulator, order_id):
    refunds = https_simulator.refunds(order_id)

    assert [(r["unique_request_id"], r["amount"]) for r in refunds] == [(REFUND_KEY, float(REFUND_AMOUNT))]
