"""/favicon.ico: browsers ask for it on every address that names no icon (an opened photo, a
JSON answer); it answers the portal's icon, never a 404 in the log or the browser's console."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers_the_portals_icon_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg")
    assert "max-age=86400" in response["Cache-Control"]
    assert reverse("favicon") == "/favicon.ico"
