"""The answer given to a caller locked out by django-axes after repeated failed logins."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed logins from this device for this account. Try again in %(minutes)d "
        "minutes, or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/lockout.html", {"message": message}, status=429)
