"""POST requests: a city app's request becomes a ticket routed like any other; keys, rate,
idempotency, the log, and bad input answered with the specification's error list."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from interop.models import Open311Submission, WorkOrderLink
from tests.at_once import at_once
from tickets.models import Channel, Ticket, TicketPhoto, Whistle

from .conftest import IN_OTHER, new_client, post_data

URL = "/open311/v2/requests.json"

pytestmark = pytest.mark.django_db


def photo_file(name="lamp.png") -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (16, 12), "orange").save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code
    return body[0]["code"], body[0]["description"]


def test_a_city_app_request_becomes_a_ticket_routed_by_its_point(client, city):
    response = client.post(URL, post_data(city, **{"attribute[urgent]": "yes"}))

    assert response.status_code == 201
    [answer] = response.json()
    ticket = Ticket.objects.get()
    assert answer["service_request_id"] == ticket.reference
    assert answer["account_id"] == "u-42"
    assert answer["token"] and answer["token"] != ticket.tracking_token
    assert "枫丹第1网格" in answer["service_notice"]
    assert ticket.channel == Channel.OPEN311
    assert ticket.node == city.community.g5a and ticket.owner == city.community.g5a
    assert ticket.whistle == Whistle.EMERGENCY
    assert ticket.title == "路灯不亮"
    assert ticket.reporter_name == "李建华" and ticket.reporter_phone == "13800001111"
    first = ticket.events.get()
    assert first.data["open311"] == {"email": "li@example.com", "device_id": "phone-1",
                                     "account_id": "u-42", "attributes": {"urgent": "yes"}}
    assert WorkOrderLink.objects.get(ticket=ticket).client == city.app
    log = Open311Submission.objects.get()
    assert (log.client, log.key_prefix, log.status_code, log.ticket, log.token) == (
        city.app, city.app.prefix, 201, ticket, answer["token"])


def test_the_xml_answer_names_its_elements_as_the_specification(client, city):
    import xml.etree.ElementTree as ET  # noqa: S405 - our own answer

    response = client.post("/open311/v2/requests.xml", post_data(city))
    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == Ticket.objects.get().reference


def test_a_building_or_a_community_address_places_the_request(client, city):
    building = city.registry.building_b
    client.post(URL, post_data(city, lat=None, long=None, address_id=str(building.pk),
                               device_id="a"))
    client.post(URL, post_data(city, lat=None, long=None, address_string="社区广场",
                               device_id="b"))
    by_device = {t.events.get().data["open311"]["device_id"]: t for t in Ticket.objects.all()}
    assert by_device["a"].building == building and by_device["a"].node == city.community.g5b
    assert by_device["b"].node == city.community.community
    assert by_device["b"].address == "社区广场"


def test_a_photo_sent_as_media_is_kept_for_staff_only(client, city):
    response = client.post(URL, {**post_data(city), "media": photo_file()})
    assert response.status_code == 201
    photo = TicketPhoto.objects.get()
    assert photo.public is False and photo.event.kind == "created"


def test_a_retry_with_the_same_device_and_body_answers_the_first_ticket(client, city):
    first = client.post(URL, post_data(city))
    again = client.post(URL, post_data(city))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1
    assert [row.status_code for row in Open311Submission.objects.order_by("pk")] == [201, 200]


def test_a_retry_with_its_photo_keeps_one_ticket_and_one_photo(client, city):
    client.post(URL, {**post_data(city), "media": photo_file()})
    client.post(URL, {**post_data(city), "media": photo_file()})
    assert Ticket.objects.count() == 1 and TicketPhoto.objects.count() == 1


def test_another_body_or_another_device_makes_a_second_ticket(client, city):
    client.post(URL, post_data(city))
    other_body = client.post(URL, post_data(city, description="井盖丢了"))
    other_device = client.post(URL, post_data(city, device_id="phone-2"))
    assert (other_body.status_code, other_device.status_code) == (201, 201)
    assert Ticket.objects.count() == 3


def test_without_a_device_id_every_post_is_new(client, city):
    client.post(URL, post_data(city, device_id=None))
    client.post(URL, post_data(city, device_id=None))
    assert Ticket.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_make_one_ticket(city):
    answers = at_once(lambda: Client().post(URL, post_data(city)))
    assert sorted(answer.status_code for answer in answers) == [200, 201]
    assert answers[0].json() == answers[1].json()
    assert Ticket.objects.count() == 1 and WorkOrderLink.objects.count() == 1
    assert Open311Submission.objects.filter(token__isnull=False).count() == 1


@pytest.mark.parametrize("key", ["", "nonsense", "abcd1234.wrong"])
def test_a_missing_or_wrong_key_is_refused_with_403_and_logged(client, city, key):
    response = client.post(URL, post_data(city, api_key=key))
    assert error_of(response)[0] == 403
    assert Ticket.objects.count() == 0
    log = Open311Submission.objects.get()
    assert log.status_code == 403 and log.client is None and "api_key" in log.error


def test_a_revoked_or_expired_key_is_refused(client, city):
    revoked, revoked_key = new_client(city.community.community, name="old", revoked=True)
    expired, expired_key = new_client(city.community.community, name="late",
                                      expiry_date=timezone.now() - dt.timedelta(days=1))
    for key in (revoked_key, expired_key):
        assert client.post(URL, post_data(city, api_key=key)).status_code == 403
    assert Ticket.objects.count() == 0


def test_a_key_may_post_only_in_its_jurisdictions_and_only_when_allowed(client, city):
    other_place = client.post(URL, post_data(city, jurisdiction_id="LH", **IN_OTHER))
    hotline, hotline_key = new_client(city.community.community, name="12345", open311=False)
    not_open311 = client.post(URL, post_data(city, api_key=hotline_key))
    assert error_of(other_place)[0] == 403 and "LH" in error_of(other_place)[1]
    assert error_of(not_open311)[0] == 403
    assert Ticket.objects.count() == 0
    # The refusals are logged with the client that sent them.
    assert Open311Submission.objects.filter(client=hotline, status_code=403).exists()
    assert Open311Submission.objects.filter(client=city.app, status_code=403).exists()


def test_a_point_outside_the_jurisdiction_is_a_400_naming_lat_long(client, city):
    response = client.post(URL, post_data(city, **IN_OTHER))
    code, description = error_of(response)
    assert code == 400 and description.startswith("lat, long")


def test_an_address_alone_in_a_street_asks_for_a_point_or_a_building(client, city):
    street, street_key = new_client(city.community.street, name="street app")
    response = client.post(URL, post_data(city, api_key=street_key, jurisdiction_id="ST",
                                          lat=None, long=None, address_string="某处"))
    code, description = error_of(response)
    assert code == 400 and "address_id" in description


@pytest.mark.parametrize(("changes", "named"), [
    ({"service_code": ""}, "service_code"),
    ({"service_code": "nope"}, "service_code"),
    ({"service_code": "staff-only"}, "service_code"),  # internal: not a service
    ({"description": "  "}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"attribute[urgent]": "maybe"}, "attribute[urgent]"),
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"phone": "12345"}, "phone"),
    ({"email": "not-mail"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"lat": "north", "long": "102.7"}, "lat"),
    ({"lat": "25.0", "long": None}, "long"),
    ({"lat": "95", "long": "102.7"}, "lat"),
    ({"lat": None, "long": None}, "location"),
    ({"lat": None, "long": None, "address_id": "99999"}, "address_id"),
    ({"lat": None, "long": None, "address_id": "1 OR 1"}, "address_id"),
    ({"first_name": "名" * 30, "last_name": "姓" * 30}, "first_name"),
    ({"device_id": "d" * 101}, "device_id"),
])
def test_bad_input_is_a_400_naming_the_parameter_and_saves_nothing(client, city, changes,
                                                                  named):
    response = client.post(URL, post_data(city, **changes))
    code, description = error_of(response)
    assert code == 400 and named in description
    assert Ticket.objects.count() == 0
    assert Open311Submission.objects.get().status_code == 400


def test_a_wish_has_no_urgent_attribute(client, city):
    response = client.post(URL, post_data(city, service_code="wish",
                                          **{"attribute[urgent]": "yes"}))
    assert error_of(response)[0] == 400


def test_a_media_file_that_is_no_photo_is_refused(client, city):
    text = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(URL, {**post_data(city), "media": text})
    assert error_of(response)[0] == 400 and Ticket.objects.count() == 0


def test_the_rate_limit_answers_429_with_retry_after_and_retries_cost_nothing(client, city):
    city.app.rate = "2/hour"
    city.app.save()
    with time_machine.travel(timezone.now(), tick=False):
        assert client.post(URL, post_data(city)).status_code == 201
        assert client.post(URL, post_data(city)).status_code == 200  # a retry: free
        assert client.post(URL, post_data(city, device_id="2")).status_code == 201
        refused = client.post(URL, post_data(city, device_id="3"))
        assert error_of(refused)[0] == 429 and int(refused["Retry-After"]) > 0
        assert client.post(URL, post_data(city)).status_code == 200  # still a free retry
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1), tick=False):
        assert client.post(URL, post_data(city, device_id="3")).status_code == 201
    assert Ticket.objects.count() == 3


def test_jurisdiction_required_when_the_portal_has_several_and_unknown_is_404(client, city):
    from tests.grids.factories import GridNodeFactory

    GridNodeFactory(kind="street", name="另一街道", code="ST2")
    missing = client.get("/open311/v2/services.json")
    unknown = client.get("/open311/v2/services.json", {"jurisdiction_id": "NOPE"})
    assert error_of(missing) == (400, error_of(missing)[1])
    assert "jurisdiction_id" in error_of(missing)[1]
    assert error_of(unknown)[0] == 404


def test_a_request_posted_while_another_is_being_made_still_meets_the_rate(client, city,
                                                                           monkeypatch):
    """The rate is counted when a new request is let through, not once its ticket is made: a
    client sending many requests at once cannot pass them all while none is counted yet."""
    from interop.open311 import submission

    city.app.rate = "1/hour"
    city.app.save()
    make = submission.request_submit
    meanwhile: list = []

    def slow_submit(**kwargs):
        if not meanwhile:  # a second request arrives while the first is being made
            meanwhile.append(None)
            meanwhile[0] = client.post(URL, post_data(city, device_id="other-phone"))
        return make(**kwargs)

    monkeypatch.setattr(submission, "request_submit", slow_submit)
    with time_machine.travel(timezone.now(), tick=False):
        assert client.post(URL, post_data(city)).status_code == 201
    assert error_of(meanwhile[0])[0] == 429
    assert Ticket.objects.count() == 1
