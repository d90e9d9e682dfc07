"""The API's documentation page, served whole from this server under the strict
Content-Security-Policy (a closed network reaches nothing outside).

Swagger UI (`/api/docs/`) comes from drf-spectacular-sidecar; its template here keeps its styles
in static/css/api-docs.css instead of an inline <style>, and its start-up script is a request of
its own (drf-spectacular's split view), so the policy needs no exception.

ReDoc is not offered: its bundle always loads its maker's logo from cdn.redoc.ly, writes a
<style> element before it can be given the page's nonce and starts its search in a blob: worker.
`/api/redoc/` leads to this page instead.
"""

from django.urls import reverse_lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"


class RedocView(RedirectView):
    """Where ReDoc was: the Swagger UI page (bookmarks keep working)."""

    url = reverse_lazy("api-docs")
    permanent = True
