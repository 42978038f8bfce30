"""A web process pays its one-off costs when the WSGI application loads, before its first request."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import warmup

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
import dashboard.wsgi
from django.template import engines
from orders import section_cache
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "fingerprints": section_cache.templates_fingerprint.cache_info().currsize,
    "compiled": sorted(name for name in section_cache.WARM_TEMPLATES if name in loader.get_template_cache),
}))
"""


def test_loading_the_wsgi_application_reads_the_fingerprint_and_compiles_the_busiest_pages():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["fingerprints"] == 1  # computed while loading, not left to the first order page
    assert loaded["compiled"] == sorted(
        ["base.html", "orders/order_detail.html", "orders/order_list.html", "orders/search.html"]
    )


def test_a_failing_warm_up_is_logged_and_the_process_still_starts(caplog: pytest.LogCaptureFixture):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("no templates here")

    warmup.serving_starts.connect(broken, dispatch_uid="test.broken")
    try:
        with caplog.at_level(logging.WARNING, logger="dashboard.warmup"):
            warmup.warm()  # does not raise
    finally:
        warmup.serving_starts.disconnect(dispatch_uid="test.broken")
    assert "no templates here" in caplog.text
