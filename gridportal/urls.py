from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import ScopedRateThrottle

from committees import api as committees_api
from committees.urls import public_urlpatterns as committee_public_urlpatterns
from grids import api as grids_api
from interop import api as interop_api
from residents import api as residents_api
from tickets import api as tickets_api
from tickets import public_api as tickets_public_api
from tickets.stats_api import TicketStatsView
from tickets.urls import public_urlpatterns

from . import views
from .api_docs import RedocView, SwaggerView


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Exchange username and password for an API token (login lockout applies)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def get_serializer_context(self):
        # Hand django-axes the underlying HttpRequest, so a locked-out caller gets the lockout
        # response from its middleware rather than a plain "wrong password".
        return {**super().get_serializer_context(), "request": self.request._request}


router = DefaultRouter()
router.register("grid-nodes", grids_api.GridNodeViewSet, basename="grid-node")
router.register("assignments", grids_api.AssignmentViewSet, basename="assignment")
router.register("service-points", grids_api.ServicePointViewSet, basename="service-point")
residents_api.register(router)
tickets_api.register(router)
committees_api.register(router)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("map/", views.grid_map, name="map"),
    path("grids/", include("grids.urls")),
    path("residents/", include("residents.urls")),
    path("tickets/", include("tickets.urls")),
    path("committees/", include("committees.urls")),
    # The public pages are applications of their own ("board", "public"), not second instances
    # of "committees" and "tickets": {% url 'tickets:inbox' %} in base.html would otherwise
    # resolve in the public instance (the current one on those pages) and fail.
    path("", include((committee_public_urlpatterns, "board"))),
    path("", include((public_urlpatterns, "public"))),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("api/v1/", include(tickets_public_api.urlpatterns)),
    path("open311/v2/", include("interop.open311.urls", namespace="open311")),
    path("api/v1/stats/tickets/", TicketStatsView.as_view(), name="api-ticket-stats"),
    path("api/v1/locate/", grids_api.LocateView.as_view(), name="api-locate"),
    path("api/v1/work-orders/", interop_api.WorkOrderCreateView.as_view(),
         name="api-work-orders"),
    path("api/v1/work-orders/<str:number>/", interop_api.WorkOrderDetailView.as_view(),
         name="api-work-order"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("api/redoc/", RedocView.as_view(), name="api-redoc"),
]

handler404 = views.page_not_found

admin.site.site_header = settings.PORTAL_NAME
admin.site.site_title = settings.PORTAL_NAME
