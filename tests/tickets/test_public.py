"""A resident reports a problem without logging in, follows it by an unguessable link, and finds
it again with the short code and their phone number; the same through the public API."""

import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from tickets import services
from tickets.forms_public import (
    KEY_ERROR,
    LOOKUP_MISMATCH,
    LOOKUP_THROTTLED,
    PHONE_ERROR,
    REPORT_THROTTLED,
    normalise_phone,
)
from tickets.models import Channel, Status, Ticket, TicketPhoto
from tickets.throttles import LOOKUPS_PER_IP, REPORTS_PER_IP, REPORTS_PER_PHONE

from .factories import category

pytestmark = pytest.mark.django_db

API = "/api/v1/public/tickets/"
NAME, PHONE, PLACE = "张秀兰", "13712345678", "枫丹白鹭3栋2单元楼道"
INTERNAL = "内部备注：物业说灯具要等下周到货"
RESOLVED = "已更换3楼楼道灯，恢复照明。"


def zh(message) -> str:
    """The text a resident reads: the message in the portal's default language."""
    with translation.override("zh-hans"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


def text(response) -> str:
    return html.unescape(response.content.decode())


def limit(rate: str) -> int:
    return int(rate.split("/")[0])


@pytest.fixture(autouse=True)
def _fresh_rate_limits(fresh_rate_limits):
    yield


@pytest.fixture
def lights():
    return category("facilities")


def form_key(client) -> str:
    page = client.get(reverse("public:report"))
    assert page.status_code == 200
    return re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())[1]


def report_data(community, lights, key, **changes) -> dict:
    data = {"reporter_name": NAME, "reporter_phone": PHONE, "node": community.g5a.pk,
            "address": PLACE, "category": lights.pk, "title": "楼道灯不亮",
            "description": "3楼楼道灯坏了一周，晚上很黑。", "idempotency_key": key,
            "website": ""}
    return {**data, **changes}


def api_body(community, lights, **changes) -> dict:
    body = {"reporter_name": NAME, "reporter_phone": PHONE, "node": community.g5a.pk,
            "address": PLACE, "category": lights.pk, "title": "楼道灯不亮",
            "description": "3楼楼道灯坏了一周。"}
    return {**body, **changes}


def submit(client, community, lights, key=None, **changes):
    key = key or form_key(client)
    return client.post(reverse("public:report"), report_data(community, lights, key, **changes))


def api_submit(community, lights, key, client=None, **changes):
    client = client or APIClient()
    return client.post(API, api_body(community, lights, **changes), format="json",
                       HTTP_IDEMPOTENCY_KEY=key)


def photo(name="light.png", size=(32, 24)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#f08c00").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Reporting on the page ------------------------------------------------------------------


def test_a_resident_reports_without_login_and_the_grid_that_works_there_owns_it(
        client, community, lights):
    response = submit(client, community, lights)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("public:track", args=[ticket.tracking_token])
    assert ticket.channel == Channel.SELF_REPORT
    assert ticket.owner == community.g5a and ticket.node == community.g5a
    assert (ticket.reporter_name, ticket.reporter_phone, ticket.address) == (NAME, PHONE, PLACE)
    assert ticket.created_by is None and ticket.status == Status.NEW


def test_the_success_page_shows_the_short_code_and_asks_to_keep_it(client, community, lights):
    page = client.get(submit(client, community, lights)["Location"])

    ticket = Ticket.objects.get()
    assert ticket.short_code in text(page)
    assert zh("Keep this code. With it and your phone number you can open this page again, or "
              "ask about your report by phone.") in text(page)
    assert zh("Thank you. Your report has been received.") in text(page)


def test_staff_logged_in_file_a_report_for_a_resident_and_open_its_tracking_link(
        client, community, lights):
    client.force_login(community.center_staff)

    response = submit(client, community, lights)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert client.get(reverse("public:lookup")).status_code == 200
    page = client.get(response["Location"])
    assert page.status_code == 200 and ticket.short_code in text(page)
    # The portal's own menu still leads to the staff pages from a public page.
    for name in ("tickets:queue", "tickets:my_tasks", "tickets:inbox"):
        assert f'href="{reverse(name)}"' in text(page), name


def test_the_form_offers_active_places_grouped_by_community(client, community, lights):
    community.g5b.active = False
    community.g5b.save(update_fields=["active"])

    page = text(client.get(reverse("public:report")))

    assert f'<optgroup label="{community.community.name}">' in page
    assert f'<optgroup label="{community.other.name}">' in page
    assert community.g5a.name in page and community.g4x.name in page
    assert community.g5b.name not in page  # inactive
    assert community.street.name not in page  # only communities and what lies below them
    assert "worker_a" not in page


def test_each_form_carries_its_own_unguessable_request_key(client, community, lights):
    first, second = form_key(client), form_key(client)
    assert first != second and len(first) >= 43


@pytest.mark.parametrize(("typed", "stored"), [
    ("137 1234 5678", "13712345678"),
    ("+86 137-1234-5678", "13712345678"),
    ("0871 65123456", "0871-65123456"),
    ("010-87654321", "010-87654321"),
])
def test_phone_numbers_are_stored_in_one_spelling(client, community, lights, typed, stored):
    submit(client, community, lights, reporter_phone=typed)
    assert Ticket.objects.get().reporter_phone == stored


@pytest.mark.parametrize("typed", ["12345", "1371234567", "23712345678", "12345678", "abc"])
def test_a_wrong_phone_number_is_refused_with_a_clear_message(client, community, lights, typed):
    response = submit(client, community, lights, reporter_phone=typed)

    assert response.status_code == 200 and not Ticket.objects.exists()
    assert zh(PHONE_ERROR) in text(response)


def test_a_missing_field_names_itself_and_keeps_the_same_request_key(client, community, lights):
    key = form_key(client)
    response = submit(client, community, lights, key=key, title="")

    assert response.status_code == 200 and not Ticket.objects.exists()
    assert response.context["form"].errors["title"]
    assert f'value="{key}"' in response.content.decode()


def test_a_double_tap_makes_one_ticket(client, community, lights):
    key = form_key(client)
    first = submit(client, community, lights, key=key)
    second = submit(client, community, lights, key=key)

    assert Ticket.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_the_same_form_sent_again_with_other_details_is_refused_with_422(
        client, community, lights):
    key = form_key(client)
    submit(client, community, lights, key=key)
    response = submit(client, community, lights, key=key, title="垃圾没人清运")

    assert response.status_code == 422
    assert zh("This form was already sent") in text(response)
    assert Ticket.objects.count() == 1 and Ticket.objects.get().title == "楼道灯不亮"


@pytest.mark.parametrize("key", ["short", "", "bad key with spaces and more than enough"])
def test_a_missing_or_tampered_request_key_is_refused_and_replaced(
        client, community, lights, key):
    response = client.post(reverse("public:report"), report_data(community, lights, key))

    assert response.status_code == 200 and not Ticket.objects.exists()
    assert zh(KEY_ERROR) in text(response)
    fresh = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())[1]
    assert fresh != key and len(fresh) >= 43


def test_a_bot_filling_the_hidden_field_is_turned_away(client, community, lights):
    response = submit(client, community, lights, website="http://spam.example")

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_resident_written_text_is_escaped(client, community, lights):
    title = '<script>alert("x")</script>'
    page = client.get(submit(client, community, lights, title=title)["Location"])

    assert title not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


# --- Photos ---------------------------------------------------------------------------------


def test_a_photo_is_kept_for_staff_and_not_served_to_the_public(
        client, community, lights, settings):
    key = form_key(client)
    data = report_data(community, lights, key, photos=[photo()])
    response = client.post(reverse("public:report"), data)

    stored = TicketPhoto.objects.get()
    assert response.status_code == 302
    assert stored.ticket == Ticket.objects.get() and stored.public is False
    # Shown on the ticket's first timeline entry, to staff only.
    assert stored.event.kind == "created" and stored.image.storage.exists(stored.image.name)
    page = client.get(response["Location"]).content.decode()
    assert stored.image.name.rsplit("/", 1)[-1] not in page and "<img" not in page
    assert client.get(settings.MEDIA_URL + stored.image.name).status_code == 404
    staff_url = reverse("tickets:photo", args=[stored.ticket.pk, stored.pk])
    assert client.get(staff_url).status_code in (302, 404)


def test_a_retried_report_with_its_photo_keeps_the_photo_once(client, community, lights):
    key = form_key(client)
    for _attempt in range(2):
        client.post(reverse("public:report"),
                    report_data(community, lights, key, photos=[photo()]))

    assert Ticket.objects.count() == 1 and TicketPhoto.objects.count() == 1


def test_only_images_are_accepted(client, community, lights):
    fake = SimpleUploadedFile("notes.png", b"not an image", content_type="image/png")
    response = client.post(reverse("public:report"),
                           report_data(community, lights, form_key(client), photos=[fake]))

    assert response.status_code == 200 and not Ticket.objects.exists()
    assert response.context["form"].errors["photos"]


def test_a_photo_over_10_mb_is_refused(client, community, lights, monkeypatch):
    monkeypatch.setattr("tickets.forms_public.MAX_PHOTO_BYTES", 10)
    response = client.post(reverse("public:report"),
                           report_data(community, lights, form_key(client), photos=[photo()]))

    assert not Ticket.objects.exists()
    assert zh("A photo may be at most 10 MB.") in text(response)


# --- Rate limits ----------------------------------------------------------------------------


def test_the_limits_are_five_an_hour_per_phone_and_twenty_per_address():
    assert (REPORTS_PER_PHONE, REPORTS_PER_IP, LOOKUPS_PER_IP) == ("5/hour", "20/hour", "20/hour")


def test_one_phone_may_send_five_reports_an_hour_then_gets_429(client, community, lights):
    for n in range(limit(REPORTS_PER_PHONE)):
        assert submit(client, community, lights, REMOTE_ADDR=f"10.0.0.{n}").status_code == 302

    response = submit(client, community, lights, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert zh(REPORT_THROTTLED) in text(response)
    assert Ticket.objects.count() == limit(REPORTS_PER_PHONE)


def test_one_address_may_send_twenty_reports_an_hour_then_gets_429(client, community, lights):
    for n in range(limit(REPORTS_PER_IP)):
        response = submit(client, community, lights, reporter_phone=f"1370000{n:04d}")
        assert response.status_code == 302

    response = submit(client, community, lights, reporter_phone="13900009999")

    assert response.status_code == 429
    assert zh(REPORT_THROTTLED) in text(response)
    assert Ticket.objects.count() == limit(REPORTS_PER_IP)


def test_the_limit_counts_the_form_and_the_api_together(client, community, lights):
    for n in range(limit(REPORTS_PER_PHONE) - 1):
        assert api_submit(community, lights, f"api-key-{n:012d}").status_code == 201
    assert submit(client, community, lights).status_code == 302

    response = api_submit(community, lights, "api-key-one-too-many")

    assert response.status_code == 429
    assert response.json()["detail"].startswith(zh(REPORT_THROTTLED))
    assert "Retry-After" in response


def test_a_retry_after_the_limit_still_returns_its_ticket(client, community, lights):
    keys = [form_key(client) for _n in range(limit(REPORTS_PER_PHONE))]
    for key in keys:
        submit(client, community, lights, key=key)

    response = submit(client, community, lights, key=keys[-1])

    assert response.status_code == 302 and Ticket.objects.count() == len(keys)


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(
        client, community, lights, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"public_report_ip": "2/hour"}}
    statuses = [submit(client, community, lights, reporter_phone=f"1370000{n:04d}",
                       HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]


# --- Tracking -------------------------------------------------------------------------------


def test_the_tracking_page_shows_progress_and_only_the_public_note(client, community, lights):
    submit(client, community, lights)
    ticket = Ticket.objects.get()
    worker = community.worker_a
    for action, note in (("accept", ""), ("start", ""), ("comment", INTERNAL),
                         ("resolve", RESOLVED)):
        services.ticket_transition(ticket=ticket, actor=worker, action=action, note=note)

    response = client.get(reverse("public:track", args=[ticket.tracking_token]))

    page = text(response)
    assert response.status_code == 200
    for shown in (ticket.reference, lights.name, "楼道灯不亮", community.g5a.name, RESOLVED,
                  zh(Status.RESOLVED.label), zh("Report received")):
        assert shown in page, shown
    for hidden in (NAME, PHONE, PLACE, INTERNAL, "3楼楼道灯坏了一周", worker.username,
                   worker.last_name + worker.first_name):
        assert hidden not in page, hidden
    assert '<meta name="robots" content="noindex">' in page
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_an_unknown_tracking_token_is_not_found(client, community, lights):
    submit(client, community, lights)
    assert client.get(reverse("public:track", args=["x" * 43])).status_code == 404
    assert APIClient().get(f"{API}{'x' * 43}/").status_code == 404


def test_the_tracking_token_has_at_least_128_bits(client, community, lights):
    submit(client, community, lights)
    token = Ticket.objects.get().tracking_token

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 32 random bytes, url-safe base64
    assert len(token) * 6 >= 128


# --- Finding a report again -----------------------------------------------------------------


def lookup(client, code, phone, **extra):
    return client.post(reverse("public:lookup"), {"code": code, "phone": phone}, **extra)


def test_the_short_code_with_the_phone_leads_back_to_the_tracking_page(
        client, community, lights):
    submit(client, community, lights)
    ticket = Ticket.objects.get()

    response = lookup(client, ticket.short_code.lower(), "137 1234 5678")

    assert response.status_code == 302
    assert response["Location"] == reverse("public:track", args=[ticket.tracking_token])


def test_the_short_code_with_another_phone_says_no_match_like_an_unknown_code(
        client, community, lights):
    submit(client, community, lights)
    ticket = Ticket.objects.get()

    wrong_phone = lookup(client, ticket.short_code, "13900000000")
    unknown_code = lookup(client, "ZZZZZZ", PHONE)

    assert wrong_phone.status_code == unknown_code.status_code == 200
    assert zh(LOOKUP_MISMATCH) in text(wrong_phone)
    assert wrong_phone.context["form"].errors == unknown_code.context["form"].errors
    assert ticket.tracking_token not in text(wrong_phone)


def test_the_short_code_works_for_a_landline_typed_by_staff_without_hyphen(community, lights):
    ticket = services.ticket_create(actor=None, channel=Channel.HOTLINE, category=lights,
                                    title="噪音", description="夜间施工", node=community.g5a,
                                    reporter_phone="087165123456")

    response = lookup(APIClient(), ticket.short_code, "0871-65123456")

    assert response.status_code == 302


def test_the_look_up_takes_no_phone_from_the_address_bar(client, community, lights):
    submit(client, community, lights)
    code = Ticket.objects.get().short_code

    response = client.get(reverse("public:lookup"), {"code": code, "phone": PHONE})

    assert response.status_code == 200 and not response.context["form"].is_bound
    assert 'method="post"' in response.content.decode()


def test_look_ups_are_limited_per_address(client, community, lights):
    for _n in range(limit(LOOKUPS_PER_IP)):
        assert lookup(client, "ZZZZZZ", PHONE).status_code == 200

    response = lookup(client, "ZZZZZZ", PHONE)

    assert response.status_code == 429
    assert zh(LOOKUP_THROTTLED) in text(response)


# --- The public API -------------------------------------------------------------------------


def test_the_api_creates_a_self_report_without_login_or_csrf(community, lights):
    client = APIClient(enforce_csrf_checks=True)
    response = api_submit(community, lights, "first-report-0001", client=client)

    ticket = Ticket.objects.get()
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"reference", "short_code", "tracking_url", "token"}
    assert (body["reference"], body["short_code"], body["token"]) == (
        ticket.reference, ticket.short_code, ticket.tracking_token)
    assert body["tracking_url"].endswith(reverse("public:track", args=[ticket.tracking_token]))
    assert ticket.channel == Channel.SELF_REPORT and ticket.owner == community.g5a


def test_the_api_answers_a_retry_with_the_first_ticket(community, lights):
    first = api_submit(community, lights, "retry-key-000001")
    again = api_submit(community, lights, "retry-key-000001")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and Ticket.objects.count() == 1


def test_the_api_refuses_the_same_key_with_another_body_with_422(community, lights):
    api_submit(community, lights, "retry-key-000002")
    response = api_submit(community, lights, "retry-key-000002", title="垃圾没人清运")

    assert response.status_code == 422 and response.json()["detail"]
    assert Ticket.objects.count() == 1


def test_the_api_needs_an_idempotency_key(community, lights):
    response = APIClient().post(API, api_body(community, lights), format="json")

    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Ticket.objects.exists()


def test_the_api_names_a_wrong_phone_number(community, lights):
    response = api_submit(community, lights, "bad-phone-000001", reporter_phone="12345")

    assert response.status_code == 400
    assert response.json()["reporter_phone"] == [zh(PHONE_ERROR)]


def test_the_api_shows_what_the_tracking_page_shows(client, community, lights):
    token = api_submit(community, lights, "detail-key-00001").json()["token"]
    ticket = Ticket.objects.get()
    services.ticket_transition(ticket=ticket, actor=community.worker_a, action="comment",
                               note=INTERNAL)

    response = APIClient().get(f"{API}{token}/")

    body = response.json()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert body["reference"] == ticket.reference and body["grid"] == community.g5a.name
    assert [event["kind"] for event in body["events"]] == ["created"]
    flat = str(body)
    for hidden in (NAME, PHONE, PLACE, INTERNAL):
        assert hidden not in flat


def test_the_api_look_up_needs_the_phone(community, lights):
    body = api_submit(community, lights, "lookup-key-00001").json()
    client = APIClient(enforce_csrf_checks=True)

    found = client.post(f"{API}lookup/", {"code": body["short_code"], "phone": PHONE},
                        format="json")
    wrong = client.post(f"{API}lookup/", {"code": body["short_code"], "phone": "13900000000"},
                        format="json")

    assert found.status_code == 200 and found.json()["token"] == body["token"]
    assert wrong.status_code == 404 and wrong.json()["detail"] == zh(LOOKUP_MISMATCH)


def test_the_api_look_up_is_limited_per_address(community, lights):
    client = APIClient()
    for _n in range(limit(LOOKUPS_PER_IP)):
        client.post(f"{API}lookup/", {"code": "ZZZZZZ", "phone": PHONE}, format="json")

    response = client.post(f"{API}lookup/", {"code": "ZZZZZZ", "phone": PHONE}, format="json")

    assert response.status_code == 429
    assert response.json()["detail"].startswith(zh(LOOKUP_THROTTLED))


def test_the_report_options_list_names_only(community, lights):
    body = APIClient().get("/api/v1/public/report-options/").json()

    assert {"id": lights.pk, "name": lights.name} in body["categories"]
    names = {place["name"] for place in body["places"]}
    assert community.g5a.name in names and community.street.name not in names
    assert set(body["places"][0]) == {"id", "name", "kind", "community"}


def test_phone_normalisation():
    assert normalise_phone("(0871) 6512 3456") == "0871-65123456"
    assert normalise_phone("008613712345678") == "13712345678"
    assert normalise_phone("0871-0123456") is None  # a local number never starts with 0
