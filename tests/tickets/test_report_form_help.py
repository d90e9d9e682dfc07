"""Forms say which fields are required (a mark that screen readers read as 必填), and a self-report
sent back with errors says plainly that its photos must be chosen again."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tickets.models import Ticket, TicketPhoto

from .factories import category
from .test_public import form_key, photo, report_data

pytestmark = pytest.mark.django_db


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


def label_of(page: str, field: str) -> str:
    match = re.search(rf'<label class="form-label" for="id_{field}">(.*?)</label>', page, re.S)
    assert match, field
    return match[1]


def is_marked(label: str) -> bool:
    return ('aria-hidden="true">*</span>' in label
            and f'<span class="visually-hidden">{zh("(required)")}</span>' in label)


def test_the_self_report_form_marks_its_required_fields(client, community):
    page = html.unescape(client.get(reverse("public:report")).content.decode())
    for field in ("reporter_name", "reporter_phone", "address", "category", "title",
                  "description"):
        assert is_marked(label_of(page, field)), field
    # The place is the list's or a point tapped on the map: the list alone is not required.
    for field in ("photos", "node"):
        assert not is_marked(label_of(page, field)), field
    assert zh("(required)") == "（必填）"


def test_a_staff_form_marks_its_required_fields(community, login):
    page = html.unescape(login(community.center_staff).get(reverse("tickets:create"))
                         .content.decode())
    for field in ("channel", "category", "title", "description", "node"):
        assert is_marked(label_of(page, field)), field
    for field in ("building", "address", "reporter_name", "external_number"):
        assert not is_marked(label_of(page, field)), field


def test_a_report_sent_back_with_errors_asks_to_choose_its_photos_again(client, community):
    lights = category("facilities")
    data = report_data(community, lights, form_key(client), title="")
    data["photos"] = [photo("a.png"), photo("b.png")]
    response = client.post(reverse("public:report"), data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert not TicketPhoto.objects.exists()
    warning = re.search(r'<div class="alert alert-warning" role="alert" id="photos-again">(.*?)'
                        r"</div>", page, re.S)[1]
    assert "2" in warning and "重新选择" in warning
    assert 'id="photos-again-hint"' in page


def test_a_report_without_photos_sent_back_says_nothing_about_photos(client, community):
    lights = category("facilities")
    response = client.post(reverse("public:report"),
                           report_data(community, lights, form_key(client), title=""))
    assert response.status_code == 200
    assert 'id="photos-again"' not in response.content.decode()


def test_photos_sent_with_a_report_show_on_the_staff_timeline(client, community, login):
    lights = category("facilities")
    data = report_data(community, lights, form_key(client))
    data["photos"] = [photo("a.png")]
    assert client.post(reverse("public:report"), data).status_code == 302
    ticket = Ticket.objects.get()
    stored = TicketPhoto.objects.get(ticket=ticket)
    assert stored.event == ticket.events.get(kind="created") and not stored.public
    page = login(community.worker_a).get(reverse("tickets:detail", args=[ticket.pk]))
    timeline = page.content.decode().split('id="ticket-timeline"')[1]
    assert reverse("tickets:photo", args=[ticket.pk, stored.pk]) in timeline
