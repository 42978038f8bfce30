import os

from django.core.checks import ERROR, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from dashboard import warmup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
application = get_wsgi_application()

# A WSGI server runs no system checks: refuse to serve with weak secrets in production mode (dashboard/checks.py).
_weak = [message for message in run_checks(tags=["juspay_ops_secrets"]) if message.level >= ERROR]
if _weak:
    raise ImproperlyConfigured("; ".join(f"{message.id}: {message.msg}" for message in _weak))

# Each worker pays its one-off costs (template fingerprint, compiled templates) here, not in its first requests.
warmup.warm()
