from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import permissions


def portal(request):
    """The portal's name, demo mode, the unread notices and the capabilities the user holds
    anywhere (`capabilities`, for the menus; each page still checks its own)."""
    context = {"PORTAL_NAME": settings.PORTAL_NAME, "DEMO_MODE": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from tickets.models import Notification

        context["unread_notifications"] = Notification.objects.filter(
            user=user, read_at__isnull=True).count()
        context["capabilities"] = SimpleLazyObject(lambda: permissions.held(user))
    return context
