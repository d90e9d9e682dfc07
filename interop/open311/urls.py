"""Mounted by gridportal/urls.py as path("open311/v2/", include("interop.open311.urls"))."""

from django.urls import path, re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]{1,60})" + FMT, views.service_definition,
            name="service_definition"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]{1,60})" + FMT, views.request_detail,
            name="request"),
    re_path(r"^tokens/(?P<token>[^/.]{1,100})" + FMT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="updates"),
    path("media/<str:token>/", views.media, name="media"),
]
