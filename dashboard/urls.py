from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.views import account, audit, health, home, merchants, people, sso, tokens, two_factor

audit_patterns = (
    [
        path("", audit.audit_list, name="list"),
        path("export.csv", audit.audit_export, name="export"),
    ],
    "audit",
)
people_patterns = (
    [
        path("", people.people_list, name="list"),
        path("<int:user_id>/role/", people.set_user_role, name="set_role"),
        # Resetting someone's second factor: one Admin proposes, another approves (dashboard/two_factor_resets.py).
        path("<int:user_id>/two-factor-reset/", people.propose_factor_reset, name="factor_reset"),
        path("two-factor-resets/<int:pk>/approve/", people.approve_factor_reset, name="factor_reset_approve"),
        path("two-factor-resets/<int:pk>/reject/", people.reject_factor_reset, name="factor_reset_reject"),
        path("<int:user_id>/merchants/", people.set_user_merchants, name="set_merchants"),
    ],
    "people",
)

token_patterns = (
    [
        path("", tokens.token_list, name="list"),
        path("new/", tokens.token_create, name="create"),
        path("<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
    ],
    "tokens",
)

merchant_patterns = (
    [
        path("", merchants.merchant_list, name="list"),
        path("add/", merchants.merchant_edit, name="add"),
        path("<int:pk>/", merchants.merchant_edit, name="edit"),
        path("changes/<int:pk>/approve/", merchants.change_approve, name="change_approve"),
        path("changes/<int:pk>/reject/", merchants.change_reject, name="change_reject"),
    ],
    "merchants",
)

# Single sign-on (dashboard/sso.py): public, 404 while OIDC_RP_CLIENT_ID is unset.
sso_patterns = (
    [
        path("login/", sso.SsoLoginView.as_view(), name="login"),
        path("callback/", sso.SsoCallbackView.as_view(), name="callback"),
        path("no-role/", sso.no_role, name="no_role"),
    ],
    "sso",
)

two_factor_patterns = (
    [
        path("verify/", two_factor.verify, name="verify"),
        path("set-up/", two_factor.enrol, name="enrol"),
        path("remove/", two_factor.remove, name="remove"),
        path("recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    ],
    "two_factor",
)

# The signed-in person's own pages (/account/...): each engineer's entries in their own block.
account_patterns = [
    path("account/", account.account, name="account"),  # time zone (dashboard/user_time_zone.py)
]

urlpatterns = [
    path("", home.home, name="home"),
    *account_patterns,
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Public as before LoginRequiredMiddleware: signing out without a session still answers with the redirect.
    # After an SSO sign-in it ends the provider's session too (views/sso.py: RP-initiated logout).
    path("accounts/logout/", sso.SignOutView.as_view(), name="logout"),
    path("sso/", include(sso_patterns)),
    path("audit/", include(audit_patterns)),
    path("people/", include(people_patterns)),
    path("account/tokens/", include(token_patterns)),
    path("account/two-factor/", include(two_factor_patterns)),
    path("merchants/", include(merchant_patterns)),
    path("approvals/", include("fulfilment.urls")),
    path("kpis/", include("fulfilment.kpi_urls")),
    path("health/", include("fulfilment.health_urls")),
    path("api/", include("dashboard.api.urls")),
    path("", include("orders.urls")),
]

if settings.BENCH_ADMIN:  # the benchmark's peer, Django admin's change list (dashboard/settings.py)
    urlpatterns.append(path("bench-admin/", include("fulfilment.bench_admin")))
