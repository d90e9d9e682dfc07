"""API clients: an admin issues a key (shown once, kept only as a hash), scopes it to streets or
communities, and can revoke it or let it expire; a key that is wrong, revoked or expired is no
key at all."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from grids.models import NodeKind
from interop.clients import ApiKeyAuthentication, client_for_key, client_nodes
from interop.models import ApiClient
from tests.grids.factories import GridNodeFactory

pytestmark = pytest.mark.django_db

KEY = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")


def _add_client(admin_client, **fields):
    community = fields.pop("community")
    response = admin_client.post(reverse("admin:interop_apiclient_add"), {
        "name": "12345热线", "contact": "市热线中心 0871-12345", "jurisdictions": [community.pk],
        "open311": "on", "work_orders": "on", "channel": "hotline", "rate": "600/hour",
        "callback_url": "https://hotline.example.gov.cn/callback",
        "callback_secret": "s" * 43, **fields})
    return response


def test_an_admin_issues_a_key_that_is_shown_once_and_kept_only_as_a_hash(admin_client):
    community = GridNodeFactory(kind=NodeKind.COMMUNITY)
    response = _add_client(admin_client, community=community)
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    keys = [match.group(0) for text in shown for match in [KEY.search(text)] if match]
    assert len(keys) == 1, shown
    key = keys[0]
    client = ApiClient.objects.get()
    assert client.prefix == key.split(".")[0]
    assert key not in (client.hashed_key, client.id)  # only a hash of it is kept
    assert client_for_key(key) == client
    assert list(client.jurisdictions.all()) == [community]
    # The next page shows it once (the message); no page shows it again.
    change = reverse("admin:interop_apiclient_change", args=[client.pk])
    assert key in admin_client.get(change).content.decode()
    assert key not in admin_client.get(change).content.decode()


def test_a_bad_rate_is_a_form_error_and_nothing_is_saved(admin_client):
    community = GridNodeFactory(kind=NodeKind.COMMUNITY)
    response = _add_client(admin_client, community=community, rate="lots")
    assert response.status_code == 200
    assert "rate" in response.context["adminform"].form.errors
    assert not ApiClient.objects.exists()


def test_wrong_revoked_and_expired_keys_are_no_keys():
    client, key = ApiClient.objects.create_key(name="城市App")
    assert client_for_key(key) == client
    assert client_for_key(key[:-1] + ("x" if key[-1] != "x" else "y")) is None
    assert client_for_key("") is None
    assert client_for_key("no-dot-here") is None
    assert client_for_key(client.prefix + ".") is None

    client.expiry_date = timezone.now() - dt.timedelta(minutes=1)
    client.save()
    assert client_for_key(key) is None

    client.expiry_date = None
    client.revoked = True
    client.save()
    assert client_for_key(key) is None


def test_a_client_acts_inside_the_subtrees_of_its_jurisdictions_only():
    street = GridNodeFactory(kind=NodeKind.STREET)
    ours = GridNodeFactory(kind=NodeKind.COMMUNITY, parent=street)
    grid = GridNodeFactory(kind=NodeKind.GRID4, parent=ours)
    other = GridNodeFactory(kind=NodeKind.COMMUNITY, parent=street)
    elsewhere = GridNodeFactory(kind=NodeKind.COMMUNITY)
    client, _ = ApiClient.objects.create_key(name="城市App")
    assert not client_nodes(client).exists()  # no jurisdiction: nowhere

    client.jurisdictions.set([ours])
    assert set(client_nodes(client)) == {ours, grid}

    client.jurisdictions.set([street])
    assert set(client_nodes(client)) == {street, ours, grid, other}
    assert elsewhere not in client_nodes(client)


def test_the_api_key_header_authenticates_the_client_and_a_bad_key_answers_401():
    client, key = ApiClient.objects.create_key(name="12345热线")
    factory = APIRequestFactory()
    auth = ApiKeyAuthentication()

    user, found = auth.authenticate(factory.post("/", HTTP_AUTHORIZATION=f"Api-Key {key}"))
    assert found == client
    assert user.is_authenticated and not user.has_perm("tickets.view_ticket")

    assert auth.authenticate(factory.post("/", HTTP_AUTHORIZATION="Token abc")) is None
    from rest_framework.exceptions import AuthenticationFailed

    for header in ("Api-Key", f"Api-Key {key} extra", "Api-Key wrong.key"):
        with pytest.raises(AuthenticationFailed):
            auth.authenticate(factory.post("/", HTTP_AUTHORIZATION=header))
