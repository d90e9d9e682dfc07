from django.conf import settings


def portal(request):
    context = {"PORTAL_NAME": settings.PORTAL_NAME, "DEMO_MODE": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from tickets.models import Notification

        context["unread_notifications"] = Notification.objects.filter(
            user=user, read_at__isnull=True).count()
    return context
