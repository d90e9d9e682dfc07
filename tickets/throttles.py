"""Rate limits for the pages and API that need no login: reports per client IP and per phone
number, look-ups and ratings per client IP.

DRF's SimpleRateThrottle does the counting in the default cache. The look-up API uses its class
the usual way (a request that is let through counts); the HTML views call `refusal` (the same
classes, the same cache keys), so a form and an API client from one address share one allowance.

The report limits are asked first and counted later: `refusal` only checks them, and
`count_report` charges every one of them once a report is accepted as new. So a report refused by
one limit costs nothing against the other, and a retry, a wrong form or a reused key costs nothing
(tickets.forms_public.report_submit decides what is new).

The rates below are the defaults; REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] may override one by
its scope name. The client IP is DRF's: set REST_FRAMEWORK["NUM_PROXIES"] to the number of
trusted proxies in front of the portal, or a client can pick its address with X-Forwarded-For.
"""

import ipaddress
from collections.abc import Sequence

from django.utils.crypto import salted_hmac
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

REPORTS_PER_PHONE = "5/hour"
REPORTS_PER_IP = "20/hour"
LOOKUPS_PER_IP = "20/hour"
RATINGS_PER_IP = "20/hour"


def client_ident(throttle: BaseThrottle, request) -> str:
    """The client address DRF sees; an IPv6 client counts by its /64 (one household's
    network), since it can pick any address inside it."""
    ident = throttle.get_ident(request) or ""
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class _PublicRateThrottle(SimpleRateThrottle):
    default_rate = ""

    def get_rate(self) -> str:
        # Read at use, not at import, so that a settings change (or a test) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate


class _ReportThrottle(_PublicRateThrottle):
    """allow_request checks without counting; count() charges an accepted report."""

    def throttle_success(self) -> bool:
        return True

    def count(self, request) -> None:
        """Record one accepted report now, even when a concurrent report filled the window
        meanwhile: it was accepted, so it is charged."""
        self.key = self.get_cache_key(request, None)
        if self.key is None:
            return
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        super().throttle_success()


class ReportIPThrottle(_ReportThrottle):
    scope = "public_report_ip"
    default_rate = REPORTS_PER_IP

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(self, request)}


class ReportPhoneThrottle(_ReportThrottle):
    """Keyed on the normalised phone number, as a keyed hash: no phone number in the cache."""

    scope = "public_report_phone"
    default_rate = REPORTS_PER_PHONE

    def __init__(self, phone: str = "") -> None:
        super().__init__()
        self.phone = phone

    def get_cache_key(self, request, view) -> str | None:
        phone = self.phone or getattr(view, "throttle_phone", "")
        if not phone:
            return None
        ident = salted_hmac("tickets.throttles.phone", phone).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LookupIPThrottle(_PublicRateThrottle):
    scope = "public_lookup_ip"
    default_rate = LOOKUPS_PER_IP

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(self, request)}


class RatingIPThrottle(_PublicRateThrottle):
    """Ratings from the tracking page and the public API, per client address (each attempt
    counts, like a look-up: a token is unguessable, but a client should not hammer it)."""

    scope = "public_rating_ip"
    default_rate = RATINGS_PER_IP

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ident(self, request)}


def report_throttles(phone: str) -> list[_ReportThrottle]:
    return [ReportIPThrottle(), ReportPhoneThrottle(phone)]


def count_report(throttles: list[_ReportThrottle], request) -> None:
    for throttle in throttles:
        throttle.count(request)


def refusal(throttles: Sequence[SimpleRateThrottle], request, view=None) -> float | None:
    """Ask every throttle; None when all allow the request, otherwise the seconds to wait
    (DRF's estimate, at least one). A look-up throttle counts the request it allows; a report
    throttle counts nothing here (see count_report)."""
    waits = [throttle.wait() for throttle in throttles
             if not throttle.allow_request(request, view)]
    if not waits:
        return None
    return max(1.0, *(wait or 0.0 for wait in waits))
