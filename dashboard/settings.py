"""Settings, read from the environment only.

Every variable has an embedded default so that `make run` works with nothing configured: SQLite under
`data/`, Celery tasks run inline, the local Juspay simulator. The README's configuration table lists
the same variables; keep the two in step.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# Production mode as the environment set it (tests switch DEBUG off but stay in development mode):
# dashboard/checks.py refuses weak secrets and warns about the database role only in production mode.
PRODUCTION_MODE = not DEBUG

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-3c9f1e2a7b"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dashboard",
    "orders",
    "fulfilment",
]
# The benchmark's peer only (`manage.py benchmark` sets it for the server it starts): Django admin's change list
# over the orders table at /bench-admin/ (fulfilment/bench_admin.py). Off everywhere else; the product has no admin.
BENCH_ADMIN = env_bool("BENCH_ADMIN", False)
if BENCH_ADMIN:
    INSTALLED_APPS.append("django.contrib.admin")

MIDDLEWARE = [
    "orders.views.webhook_short_path.WebhookShortPathMiddleware",  # POST /webhooks/juspay/ past what it has no use for
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dashboard.request_context.RequestContextMiddleware",
    "dashboard.input_guard.NulRefusalMiddleware",  # 400 for NUL in the URL or form fields (PostgreSQL cannot store it)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dashboard.session_idle.IdleSessionMiddleware",  # keeps signed-in sessions alive, one write a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dashboard.two_factor_session.OTPSessionMiddleware",  # django-otp's: is_verified(), no query of its own
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # secure by default: see dashboard/access.py
    "dashboard.two_factor_gate.TwoFactorGateMiddleware",  # the code step or enrolment first (dashboard/two_factor.py)
    "dashboard.user_time_zone.UserTimeZoneMiddleware",  # shows times in the signed-in person's zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dashboard.security_headers.SecurityHeadersMiddleware",  # Permissions-Policy; no-store when signed in
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.navigation.navigation",
                "dashboard.htmx.events",
                "fulfilment.context_processors.approvals",
                "fulfilment.context_processors.sync_health",
            ],
            # `|money:currency`, `|when`, `|when_s`, `|ago` in every template, without {% load %}.
            "builtins": ["dashboard.templatetags.money_tags", "dashboard.templatetags.time_tags"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# PostgreSQL connections come from Django's connection pool (psycopg_pool), one pool per process with at most
# DATABASE_POOL_MAX_SIZE connections: a web process or worker never holds more, however many threads it runs
# (a thread waits up to DATABASE_POOL_TIMEOUT seconds for one). DATABASE_POOL=0 falls back to persistent
# connections closed after DATABASE_CONN_MAX_AGE seconds (0 = one per request).
DATABASE_POOL = env_bool("DATABASE_POOL", True)
DATABASE_POOL_MIN_SIZE = int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1"))
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "8"))
DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
DATABASE_POOL_MAX_IDLE = float(os.environ.get("DATABASE_POOL_MAX_IDLE", "60"))
DATABASE_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))


def postgres_pool_options() -> dict[str, float | int]:
    """The `OPTIONS["pool"]` of a PostgreSQL database: bounded, idle connections closed after a minute."""
    return {
        "min_size": min(DATABASE_POOL_MIN_SIZE, DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": DATABASE_POOL_TIMEOUT,
        "max_idle": DATABASE_POOL_MAX_IDLE,
    }


if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True)
    if DATABASE_POOL and _database["ENGINE"] == "django.db.backends.postgresql":
        _database["CONN_MAX_AGE"] = 0  # the pool keeps and checks connections
        _database["CONN_HEALTH_CHECKS"] = False
        _database.setdefault("OPTIONS", {})["pool"] = postgres_pool_options()
    DATABASES = {"default": dict(_database)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "dashboard.sqlite3"),
            # IMMEDIATE takes the write lock when a transaction starts, so the audit chain's
            # read-last-then-append cannot interleave between two writers.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, sessions, login throttling -------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dashboard.auth_backend.ModelBackendOneQuery",  # Django's ModelBackend, permissions in one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Idle sessions expire: a signed-in request pushes the expiry forward by SESSION_IDLE_SECONDS, writing the
# session at most once a minute (dashboard/session_idle.py says why not on every request).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (dashboard/login_throttle.py, django-axes with our cache handler): LOGIN_FAILURE_LIMIT
# failures for one username from one address lock that pair out for LOGIN_COOLOFF_MINUTES; an address with
# LOGIN_ADDRESS_FAILURE_LIMIT failures across usernames within LOGIN_ADDRESS_WINDOW_MINUTES is refused
# until that window ends. Counts live in the Django cache (CACHE_URL: Redis shares them across hosts).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
LOGIN_ADDRESS_WINDOW_MINUTES = int(os.environ.get("LOGIN_ADDRESS_WINDOW_MINUTES", "5"))
# Failed sign-ins by username and address are audited once per window, with their count (dashboard/signals.py).
LOGIN_FAILURE_AUDIT_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_AUDIT_WINDOW_MINUTES", "60"))
AXES_HANDLER = "dashboard.login_throttle.LoginThrottleHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "dashboard.request_context.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Single sign-on: OpenID Connect (dashboard/sso.py, mozilla-django-oidc) -----------------------
# Off unless OIDC_RP_CLIENT_ID is set. The provider's endpoints come from OIDC_OP_DISCOVERY_URL (fetched when
# first needed, kept an hour) unless each is set on its own. Group claims map to roles through OIDC_ROLE_MAP
# ("group=Role,..."); a person whose groups map to no role is refused. The backend is always listed: it acts
# only on the SSO callback URL, and only when SSO is on.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_OP_DISCOVERY_URL = os.environ.get("OIDC_OP_DISCOVERY_URL", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile groups")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")
OIDC_LINK_BY_EMAIL = env_bool("OIDC_LINK_BY_EMAIL", True)
OIDC_LINK_ADMINS_BY_EMAIL = env_bool("OIDC_LINK_ADMINS_BY_EMAIL", False)
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "5"))
# Single logout (RP-initiated, OpenID Connect RP-Initiated Logout 1.0): signing out after an SSO sign-in also ends
# the provider's session, at OIDC_OP_LOGOUT_ENDPOINT or discovery's end_session_endpoint (dashboard/sso.py).
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_SINGLE_LOGOUT = env_bool("OIDC_SINGLE_LOGOUT", True)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
LOGIN_REDIRECT_URL_FAILURE = LOGIN_URL
AUTHENTICATION_BACKENDS.append("dashboard.sso_backend.SsoBackend")

# Two-factor sign-in (TOTP with recovery codes, django-otp; dashboard/two_factor.py): the roles that must use it.
# Finance and Admin by default in production mode; none in debug (`make run` signs in with the password alone) and
# in the tests. MFA_REQUIRED_ROLES= (empty) switches the requirement off; anyone may still enrol at /account/.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "" if DEBUG else "Finance,Admin")
OTP_TOTP_ISSUER = "Juspay Ops"

# The navigation's counts (approvals waiting, sync health) are kept this long per person (fulfilment/nav_counts.py);
# 0 computes them on every page.
NAV_COUNTS_SECONDS = int(os.environ.get("NAV_COUNTS_SECONDS", "30"))

# The Django cache: local memory per process by default; CACHE_URL=redis://host:6379/1 shares it (and so the
# login throttle) between hosts.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "dashboard.redis_cache.RedisCache", "LOCATION": CACHE_URL}  # one client per pool
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "juspay-ops"}
}
# Sessions: with a shared cache (CACHE_URL), read from it and written through to the database (Django's
# cached_db), which spares a query on every request; signing out deletes both, for every process. Without one,
# from the database only: a per-process cache would let a session signed out in one process live on in another.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db"

# --- Security (production mode = DJANGO_DEBUG off) ------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Behind the TLS proxy the client's address is taken from X-Forwarded-For: the entry TRUSTED_PROXY_COUNT
# from the right (the one our own proxy appended), never one the client could write (dashboard/request_context.py).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
# Content-Security-Policy (django.middleware.csp): nothing inline, scripts and styles from our own origin only
# (a nonce for the rare tag that needs one: {{ csp_nonce }}); see static/js and static/css.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Sent on every response by dashboard.security_headers: the browser features this app never uses are off.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(self), screen-wake-lock=(), usb=(), xr-spatial-tracking=()"
)

# --- i18n, static ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# How money and times are shown (dashboard/money_format.py, dashboard/time_display.py). INR always uses en_IN
# (₹12,34,567.00); other currencies this locale. A person picks their time zone at /account/; until then
# DEFAULT_USER_TIME_ZONE (an IANA name) applies. Stored times stay UTC.
MONEY_DEFAULT_LOCALE = os.environ.get("MONEY_DEFAULT_LOCALE", "en_US")
DEFAULT_USER_TIME_ZONE = os.environ.get("DEFAULT_USER_TIME_ZONE", "Asia/Kolkata")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
EXPORT_STORAGE = os.environ.get("EXPORT_STORAGE", "filesystem")
_EXPORT_BACKENDS = {
    "filesystem": ("django.core.files.storage.FileSystemStorage", {"location": str(DATA_DIR / "exports")}),
    "database": ("dashboard.stored_files.DatabaseStorage", {}),
}
if EXPORT_STORAGE in _EXPORT_BACKENDS:
    _export_backend, _export_options = _EXPORT_BACKENDS[EXPORT_STORAGE]
elif "." in EXPORT_STORAGE:  # any Django storage backend by dotted path, e.g. storages.backends.s3.S3Storage
    _export_backend, _export_options = EXPORT_STORAGE, json.loads(os.environ.get("EXPORT_STORAGE_OPTIONS", "{}"))
else:
    raise ImproperlyConfigured(
        f"EXPORT_STORAGE={EXPORT_STORAGE!r}: use filesystem, database or a storage backend's dotted path."
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": _export_backend, "OPTIONS": _export_options},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Audit checkpoints (dashboard/audit_checkpoints.py) ----------------------------------------------
# Signed checkpoints of the audit log's head go to this append-only JSON-lines file, every
# AUDIT_CHECKPOINT_SECONDS and after each verify_audit; AUDIT_CHECKPOINT_SYSLOG (host:port or /dev/log)
# sends each one to syslog as well. Keep the file where the database role cannot reach it (README, "Audit log").
AUDIT_CHECKPOINT_PATH = Path(os.environ.get("AUDIT_CHECKPOINT_PATH", DATA_DIR / "audit-checkpoints.jsonl"))
AUDIT_CHECKPOINT_SECONDS = float(os.environ.get("AUDIT_CHECKPOINT_SECONDS", "300"))
AUDIT_CHECKPOINT_SYSLOG = os.environ.get("AUDIT_CHECKPOINT_SYSLOG", "")

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Without a broker, a webhook's refresh runs after the answer on a thread of the web process, pulling each order
# once for all the events naming it (orders/webhook_refresher.py); "inline" runs it inside the request instead.
WEBHOOK_EMBEDDED_REFRESH = os.environ.get("WEBHOOK_EMBEDDED_REFRESH", "background")
# With a broker, a webhook's refresh task is published after the answer by a thread of the web process, one task
# per batch of ids (orders/webhook_refresher.py); "inline" publishes one task per webhook inside the request.
WEBHOOK_ENQUEUE = os.environ.get("WEBHOOK_ENQUEUE", "background")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The freshness sweep: re-sync whatever is due (see orders/freshness.py). Run exactly one beat.
SYNC_SWEEP_SECONDS = float(os.environ.get("SYNC_SWEEP_SECONDS", "30"))
SYNC_SWEEP_BATCH = int(os.environ.get("SYNC_SWEEP_BATCH", "500"))
SYNC_CONCURRENCY = int(os.environ.get("SYNC_CONCURRENCY", "32"))
# Approvals: expire unapproved requests, and pick up approved/sending requests no executor finished.
APPROVAL_EXPIRY_SWEEP_SECONDS = float(os.environ.get("APPROVAL_EXPIRY_SWEEP_SECONDS", "300"))
FULFILMENT_STALL_SECONDS = float(os.environ.get("FULFILMENT_STALL_SECONDS", "120"))
# The managers' KPIs count days and hours in this zone (orders.kpi_periods); after changing it run rebuild_kpis.
KPI_TIME_ZONE = os.environ.get("KPI_TIME_ZONE", "Asia/Kolkata")
# The currency the KPI page's amounts are shown in (each merchant account takes one; the figures convert nothing).
KPI_CURRENCY = os.environ.get("KPI_CURRENCY", "INR")
# A CHARGED order should have a successful Fulfilment Sync command within this many hours (the KPIs' target).
KPI_FULFILMENT_TARGET_HOURS = float(os.environ.get("KPI_FULFILMENT_TARGET_HOURS", "48"))
# The KPIs count payout orders still pending (CREATED, ..._SCHEDULED, ...) after more than this many days.
KPI_PAYOUT_PENDING_DAYS = float(os.environ.get("KPI_PAYOUT_PENDING_DAYS", "3"))
# Webhooks whose refresh failed or never ran (Juspay or the broker down) are tried again (orders/webhooks.py).
WEBHOOK_RETRY_SWEEP_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SWEEP_SECONDS", "30"))
# An orders CSV export with more rows than this runs as a background job.
ORDERS_EXPORT_INLINE_MAX = int(os.environ.get("ORDERS_EXPORT_INLINE_MAX", "5000"))
CELERY_BEAT_SCHEDULE = {
    "sweep-due-orders": {"task": "orders.tasks.sweep_due", "schedule": SYNC_SWEEP_SECONDS},
    "retry-webhooks": {"task": "orders.tasks.retry_webhooks", "schedule": WEBHOOK_RETRY_SWEEP_SECONDS},
    "expire-action-requests": {"task": "fulfilment.tasks.expire_requests", "schedule": APPROVAL_EXPIRY_SWEEP_SECONDS},
    "resume-stalled-action-requests": {
        "task": "fulfilment.tasks.resume_stalled",
        "schedule": FULFILMENT_STALL_SECONDS / 2,
    },
    "audit-checkpoint": {"task": "dashboard.tasks.write_audit_checkpoint", "schedule": AUDIT_CHECKPOINT_SECONDS},
    "prune-idempotency-keys": {"task": "dashboard.tasks.prune_idempotency_keys", "schedule": 3600.0},
}
# How long an API Idempotency-Key keeps its first answer before beat prunes it (dashboard/api_idempotency.py).
API_IDEMPOTENCY_KEEP_HOURS = float(os.environ.get("API_IDEMPOTENCY_KEEP_HOURS", "24"))
# Test-only: the executor exits right after Juspay answers, once per marker file (tests/integration).
TEST_EXECUTOR_CRASH_MARKER = os.environ.get("TEST_EXECUTOR_CRASH_MARKER", "")

# --- Audit log ------------------------------------------------------------------------------------
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
if not AUDIT_HMAC_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set when DJANGO_DEBUG is off.")
    AUDIT_HMAC_KEY = "dev-only-audit-hmac-key"

# --- Juspay ---------------------------------------------------------------------------------------
# The default merchant, seeded into the Merchant table. Unset base URL = the local simulator.
JUSPAY_BASE_URL = os.environ.get("JUSPAY_BASE_URL", "http://127.0.0.1:8765")
JUSPAY_API_KEY = os.environ.get("JUSPAY_API_KEY", "sk_sim_demo_key")
JUSPAY_MERCHANT_ID = os.environ.get("JUSPAY_MERCHANT_ID", "demo_merchant")
# A merchant's base URL (set in /merchants/, approved by a second Admin) must be https, on one of these hosts
# when the list is not empty; plain http only to a loopback host (the simulator) in debug mode.
JUSPAY_BASE_URL_ALLOWLIST = [host.lower() for host in env_list("JUSPAY_BASE_URL_ALLOWLIST", "")]
JUSPAY_BASE_URL_LOOPBACK_HTTP = DEBUG
# Webhooks from Juspay authenticate with Basic auth; unset in production = every webhook is refused.
JUSPAY_WEBHOOK_USERNAME = os.environ.get("JUSPAY_WEBHOOK_USERNAME", "juspay-webhook" if DEBUG else "")
JUSPAY_WEBHOOK_PASSWORD = os.environ.get("JUSPAY_WEBHOOK_PASSWORD", "dev-only-webhook-password" if DEBUG else "")
JUSPAY_TIMEOUT_SECONDS = float(os.environ.get("JUSPAY_TIMEOUT_SECONDS", "1.0"))
JUSPAY_RETRY_TIMEOUT_SECONDS = float(os.environ.get("JUSPAY_RETRY_TIMEOUT_SECONDS", "2.0"))

# --- REST framework -------------------------------------------------------------------------------
# The API (dashboard/api/): personal tokens first (a bad token is a 401), then the browser session with its
# CSRF check. Errors are RFC 9457 problem details; limits per token (or per user) and per IP for anonymous.
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "90"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dashboard.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "dashboard.api.pagination.KeysetCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dashboard.api.problems.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "dashboard.api.throttles.TokenRateThrottle",
        "dashboard.api.throttles.AnonRateThrottle",
        "dashboard.api.throttles.ScopedTokenThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "600/minute"),
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        # POST /api/v1/orders/{id}/refresh/ calls Juspay: its own, tighter budget per token (or user).
        "order_refresh": os.environ.get("API_THROTTLE_REFRESH", "10/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Juspay Ops API",
    "DESCRIPTION": (
        "Everything the pages offer, for scripts, under the same rules: the same permissions (a token acts "
        "with its user's role), masking, maker-checker and audit. Authenticate with `Authorization: Bearer "
        "<token>` (create one on /account/tokens/) or the browser session. Lists use cursor pagination; money "
        "is `{amount: decimal string, currency}`; errors are RFC 9457 problem details naming each bad field."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dashboard.api.schema_hooks.describe_path_parameters",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
