"""`/api/`: the OpenAPI schema, its interactive docs, and `/api/v1/` (each app's endpoints, by string).

The schema answers signed-in users and tokens (401 problem otherwise); the docs page is a page, so anyone
not signed in is sent to the login page. Unknown paths under /api/ answer a 404 problem, not HTML.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboard.api.problems import not_found

app_name = "api"

docs = SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
docs.login_required = True  # type: ignore[attr-defined]  # a page: LoginRequiredMiddleware sends anonymous to login

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
    path("v1/", include("orders.api_urls")),
    path("v1/", include("fulfilment.api_urls")),
    re_path(r"^.*$", not_found, name="not_found"),
]
