"""Who is calling: an API client found by its key, where it may act, and its rate limit.

Open311 sends the key as the `api_key` parameter (the specification's way); the work-order API
takes the header `Authorization: Api-Key <key>` (`ApiKeyAuthentication`). Either way the key is
checked against its hash (djangorestframework-api-key), and a revoked or expired key is no key.
"""

from typing import cast

from django.db.models import Q, QuerySet
from rest_framework import authentication, exceptions
from rest_framework.throttling import SimpleRateThrottle

from grids.models import GridNode

from .models import ApiClient

HEADER_KEYWORD = "Api-Key"


def client_for_key(key: str | None) -> ApiClient | None:
    """The usable client holding `key`, or None (unknown, wrong, revoked or expired)."""
    if not key or "." not in key or len(key) > 100:
        return None
    try:
        client = cast(ApiClient, ApiClient.objects.get_from_key(key))  # typed as the base
    except ApiClient.DoesNotExist:
        return None
    return None if client.has_expired else client


def client_nodes(client: ApiClient) -> QuerySet[GridNode]:
    """Every node inside the client's jurisdictions (the jurisdictions included)."""
    roots = list(client.jurisdictions.all())
    if not roots:
        return GridNode.objects.none()
    condition = Q()
    for root in roots:
        condition |= Q(tree_id=root.tree_id, lft__gte=root.lft, rght__lte=root.rght)
    return GridNode.objects.filter(condition)


class ApiClientUser:
    """What `request.user` is for a call made with a client's key: no person, no session."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    pk = None
    id = None

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.username = f"api:{client.prefix}"

    def __str__(self) -> str:
        return self.client.name

    def has_perm(self, perm: str, obj=None) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: request.user is an ApiClientUser, request.auth the
    client. A wrong, revoked or expired key answers 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != HEADER_KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send `Authorization: Api-Key <key>`.")
        client = client_for_key(header[1])
        if client is None:
            raise exceptions.AuthenticationFailed("This API key is unknown, revoked or expired.")
        return ApiClientUser(client), client

    def authenticate_header(self, request) -> str:
        return HEADER_KEYWORD


class ClientRateThrottle(SimpleRateThrottle):
    """Each client's own rate (`ApiClient.rate`), counted per key in the default cache. Set
    `request.auth` to the client before asking (DRF does for ApiKeyAuthentication)."""

    scope = "api_client"

    def __init__(self) -> None:  # the rate is the client's, read per request
        pass

    def allow_request(self, request, view) -> bool:
        client = request.auth if isinstance(request.auth, ApiClient) else None
        if client is None:
            return True
        self.rate = client.rate
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
