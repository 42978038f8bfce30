from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from dashboard.views import account, audit, health, home, merchants, people, tokens

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
    path("accounts/logout/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("audit/", include(audit_patterns)),
    path("people/", include(people_patterns)),
    path("account/tokens/", include(token_patterns)),
    path("merchants/", include(merchant_patterns)),
    path("approvals/", include("fulfilment.urls")),
    path("kpis/", include("fulfilment.kpi_urls")),
    path("health/", include("fulfilment.health_urls")),
    path("api/", include("dashboard.api.urls")),
    path("", include("orders.urls")),
]
