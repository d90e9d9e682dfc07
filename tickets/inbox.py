"""The in-app inbox and its e-mail copy, for any notice: each notice is a row with a unique key
(what caused it and for whom), so a delivery that runs twice tells nobody twice."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification, Ticket


def inbox_and_mail(*, users: Iterable[User], text: str, key_prefix: str,
                   ticket: Ticket | None = None, link: str = "") -> int:
    """Put the notice in the inboxes of the users not told yet under `key_prefix`, and e-mail
    those of them who have an address; the number of new inbox rows."""
    keys = {f"{key_prefix}:{user.pk}": user for user in users}
    told = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [Notification(user=user, ticket=ticket, text=text[:200], link=link, key=key)
             for key, user in keys.items() if key not in told]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    # The e-mail copies not sent yet: this delivery's new rows, and any a delivery cut short
    # left behind. Marked once sent, so a repeat sends none twice.
    unmailed = dict(Notification.objects.filter(
        key__in=keys, mailed_at__isnull=True, user__is_active=True)
        .exclude(user__email="").values_list("pk", "user__email"))
    if unmailed:
        send_mail(subject=text[:120], message=text, from_email=settings.DEFAULT_FROM_EMAIL,
                  recipient_list=sorted(set(unmailed.values())), fail_silently=False)
        Notification.objects.filter(pk__in=unmailed).update(mailed_at=timezone.now())
    return len(fresh)
