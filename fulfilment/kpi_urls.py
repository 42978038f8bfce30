from django.urls import path

from fulfilment.views import kpis

app_name = "kpis"

urlpatterns = [
    path("", kpis.page, name="page"),
    path("headline/", kpis.headline, name="headline"),
    path("<slug:name>/", kpis.section, name="section"),
    path("<slug:name>/<slug:table>.csv", kpis.export, name="export"),
]
