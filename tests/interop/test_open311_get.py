"""GET calls: what a jurisdiction publishes (what the tracking page shows, nothing personal),
the filters, the 90-day rule, paging, the extensions, and publication switched off."""

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - parsing the server's own answers

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interop.models import Jurisdiction
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Channel

from .conftest import SECRETS, new_client, post_data, seed_published

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"


def get(client, path, **query):
    return client.get(BASE + path, query)


def test_a_published_request_shows_what_the_tracking_page_shows(client, city):
    ticket = seed_published(city)
    [request] = get(client, f"requests/{ticket.reference}.json", jurisdiction_id="SJC").json()

    assert request["service_request_id"] == ticket.reference
    assert request["status"] == "open"  # resolved, awaiting the resident's rating
    assert request["status_notes"] == "已更换灯泡"
    assert (request["service_code"], request["service_name"]) == ("lights", "路灯照明")
    assert request["description"] == "路灯不亮"
    assert request["agency_responsible"] == "枫丹第1网格"
    assert request["address"] == "枫丹白鹭1栋"
    assert request["address_id"] == str(city.registry.building_a.pk)
    assert request["media_url"].startswith("http://testserver/open311/v2/media/")
    assert client.get(request["media_url"]).status_code == 200
    assert dt.datetime.fromisoformat(request["expected_datetime"]) == (
        ticket.resolve_due_at.replace(microsecond=0))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_get_answer_carries_the_reporter_a_dwelling_or_an_internal_note(client, city, fmt):
    ticket = seed_published(city)
    client.post("/open311/v2/requests.json", post_data(city))  # another, with its reporter
    q = {"jurisdiction_id": "SJC", "extensions": "true"}
    bodies = [get(client, f"requests.{fmt}", **q), get(client, f"requests/{ticket.reference}"
                                                             f".{fmt}", **q),
              get(client, f"servicerequestupdates.{fmt}", **q)]
    for response in bodies:
        assert response.status_code == 200
        text = response.content.decode()
        assert ticket.reference in text
        for secret in SECRETS:
            assert secret not in text


def test_the_point_is_coarsened_to_the_building_or_the_grid(client, city):
    post = client.post("/open311/v2/requests.json", post_data(city, lat="25.0051",
                                                              long="102.7052"))
    reference = post.json()[0]["service_request_id"]
    [request] = get(client, f"requests/{reference}.json", jurisdiction_id="SJC").json()
    assert (request["lat"], request["long"]) != (25.0051, 102.7052)
    assert 25.0 <= request["lat"] <= 25.015 and 102.70 <= request["long"] <= 102.715
    assert request["address"] == "枫丹第1网格" and request["address_id"] is None


def test_internal_categories_and_other_jurisdictions_are_not_listed(client, city):
    mine = make_ticket(category=city.lights, node=city.community.g5a)
    make_ticket(category=city.internal, node=city.community.g5a)
    make_ticket(category=city.lights, node=city.community.g4x)
    listed = get(client, "requests.json", jurisdiction_id="SJC").json()
    assert [r["service_request_id"] for r in listed] == [mine.reference]
    street = get(client, "requests.json", jurisdiction_id="ST").json()
    assert len(street) == 2


def test_filters_by_id_code_status_and_dates(client, city):
    old = make_ticket(category=city.lights, node=city.community.g5a)
    open_wish = make_ticket(category=city.wish, node=city.community.g5a)
    rejected = make_ticket(category=city.lights, node=city.community.g5a)
    services.ticket_transition(ticket=rejected, actor=city.community.center_staff,
                               action="reject", note="重复")

    def ids(**q):
        response = get(client, "requests.json", jurisdiction_id="SJC", **q)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids(service_code="wish") == {open_wish.reference}
    assert ids(status="closed") == {rejected.reference}
    assert ids(status="open") == {old.reference, open_wish.reference}
    assert ids(status="open,closed") == {old.reference, open_wish.reference,
                                         rejected.reference}
    assert ids(service_request_id=f"{old.reference},{rejected.reference}",
               status="open") == {old.reference, rejected.reference}
    later = timezone.now() + dt.timedelta(days=100)
    with time_machine.travel(later, tick=False):
        assert ids() == set()  # the default window: the last 90 days
        assert ids(start_date=(later - dt.timedelta(days=101)).isoformat()) == {
            old.reference, open_wish.reference, rejected.reference}


@pytest.mark.parametrize("query", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    {"start_date": "yesterday"},
    {"status": "pending"},
    {"service_code": "nope"},
    {"service_code": "bad code!"},
    {"page": "0"}, {"page": "x"}, {"page_size": "201"}, {"extensions": "maybe"},
    {"service_request_id": "T1,<script>"},
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_parameters_answer_the_specifications_400_list(client, city, query, fmt):
    response = get(client, f"requests.{fmt}", jurisdiction_id="SJC", **query)
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400 and next(iter(query)) in error["description"]
    else:
        root = ET.fromstring(response.content)  # noqa: S314
        assert root.tag == "errors" and root.find("error/code").text == "400"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(
    st.sampled_from(["service_request_id", "service_code", "start_date", "end_date", "status",
                     "page", "page_size", "extensions", "jurisdiction_id", "api_key"]),
    st.text(max_size=30)))
def test_any_query_answers_200_400_403_or_404_never_a_server_error(client, city, query):
    for path in ("requests.json", "servicerequestupdates.xml", "services.json"):
        response = get(client, path, **query)
        assert response.status_code in (200, 400, 403, 404), (path, query)


def test_paging_and_a_constant_number_of_queries(client, city, django_assert_max_num_queries):
    seed_published(city)
    for _ in range(4):
        make_ticket(category=city.lights, node=city.community.g5b)
    first = get(client, "requests.json", jurisdiction_id="SJC", page_size="2").json()
    third = get(client, "requests.json", jurisdiction_id="SJC", page_size="2", page="3").json()
    assert len(first) == 2 and len(third) == 1
    with django_assert_max_num_queries(8) as few:
        get(client, "requests.json", jurisdiction_id="SJC", extensions="true", page_size="2")
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, "requests.json", jurisdiction_id="SJC", extensions="true")


def test_extensions_add_extended_attributes(client, city):
    ticket = seed_published(city)
    [plain] = get(client, f"requests/{ticket.reference}.json", jurisdiction_id="SJC").json()
    [extended] = get(client, f"requests/{ticket.reference}.json", jurisdiction_id="SJC",
                     extensions="true").json()
    assert "extended_attributes" not in plain
    assert extended["extended_attributes"] == {
        "whistle": "routine", "whistle_name": str(ticket.get_whistle_display()),
        "status_detail": "resolved",
        "grid_path": "示范街道 / 世纪城社区 / 枫丹白鹭片区 / 枫丹四级网格 / 枫丹第1网格",
        "public_events": 2}


def test_updates_follow_the_public_steps_since_a_time(client, city):
    start = timezone.now()
    ticket = seed_published(city)
    updates = get(client, "servicerequestupdates.json", jurisdiction_id="SJC",
                  start_date=start.isoformat()).json()
    assert [(u["service_request_id"], u["status"], u["description"]) for u in updates] == [
        (ticket.reference, "open", ""), (ticket.reference, "open", "已更换灯泡")]
    later = get(client, "servicerequestupdates.json", jurisdiction_id="SJC",
                start_date=timezone.now().isoformat()).json()
    assert later == []


def test_a_community_that_switches_publication_off_answers_only_its_clients(client, city):
    ticket = seed_published(city)
    Jurisdiction.objects.create(node=city.community.community, publish_requests=False)
    _other, other_key = new_client(city.community.other, name="六合App")
    for path in ("requests.json", f"requests/{ticket.reference}.xml",
                 "servicerequestupdates.json"):
        assert get(client, path, jurisdiction_id="SJC").status_code == 403
        assert get(client, path, jurisdiction_id="SJC", api_key=other_key).status_code == 403
        assert get(client, path, jurisdiction_id="SJC", api_key=city.key).status_code == 200
    street = get(client, "requests.json", jurisdiction_id="ST").json()
    assert ticket.reference not in {r["service_request_id"] for r in street}
    assert get(client, "services.json", jurisdiction_id="SJC").status_code == 200


def test_a_token_finds_its_request(client, city):
    answer = client.post("/open311/v2/requests.json", post_data(city)).json()[0]
    found = get(client, f"tokens/{answer['token']}.json", jurisdiction_id="SJC").json()
    assert found == [{"service_request_id": answer["service_request_id"],
                      "token": answer["token"]}]
    assert get(client, "tokens/unknown.json", jurisdiction_id="SJC").status_code == 404


def test_an_unknown_format_or_method_answers_the_error_list(client, city):
    assert get(client, "services.csv", jurisdiction_id="SJC").json()[0]["code"] == 404
    assert client.delete(BASE + "requests.json").json()[0]["code"] == 405
    assert get(client, "requests/T000000-000000.json",
               jurisdiction_id="SJC").json()[0]["code"] == 404


def test_a_wrong_key_on_a_get_is_403_and_a_get_key_is_rate_limited(client, city):
    assert get(client, "services.json", jurisdiction_id="SJC",
               api_key="x.y").status_code == 403
    city.app.rate = "2/minute"
    city.app.save()
    codes = [get(client, "services.json", jurisdiction_id="SJC", api_key=city.key).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert get(client, "services.json", jurisdiction_id="SJC").status_code == 200


def test_a_request_from_another_channel_is_published_too(client, city):
    ticket = make_ticket(channel=Channel.HOTLINE, category=city.lights, node=city.community.g5c)
    listed = get(client, "requests.json", jurisdiction_id="SJC").json()
    assert [r["service_request_id"] for r in listed] == [ticket.reference]


def test_updated_datetime_follows_public_steps_only(client, city):
    """An internal comment changes nothing the public sees, not even the update time."""
    ticket = seed_published(city)
    url = f"/open311/v2/requests/{ticket.reference}.json"
    before = client.get(url, {"jurisdiction_id": city.code}).json()[0]["updated_datetime"]
    with time_machine.travel(dt.timedelta(hours=3)):
        services.ticket_transition(ticket=ticket, actor=city.community.worker_a,
                                   action="comment", note="内部：再去看看")
        after = client.get(url, {"jurisdiction_id": city.code}).json()[0]["updated_datetime"]
        assert after == before
        services.ticket_transition(ticket=ticket, actor=city.community.worker_a,
                                   action="public_reply", note="明天再来检查一次")
        replied = client.get(url, {"jurisdiction_id": city.code}).json()[0]
    assert replied["updated_datetime"] > before
    assert replied["status_notes"] == "明天再来检查一次"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_residents_rating_comment_is_never_published(client, city, fmt):
    """The comment a resident leaves with a rating is their own words (they may name people
    or give a phone, like the full description): the tracking page shows it to its holder,
    Open311 publishes to anyone, so status_notes and the updates keep to the staff's notes."""
    ticket = seed_published(city)
    services.ticket_rate(ticket=ticket, satisfaction="satisfied",
                         comment="谢谢王师傅，有事打我电话13900002222")
    detail = get(client, f"requests/{ticket.reference}.{fmt}", jurisdiction_id="SJC")
    updates = get(client, f"servicerequestupdates.{fmt}", jurisdiction_id="SJC")
    assert detail.status_code == updates.status_code == 200
    for answer in (detail, updates):
        assert "13900002222" not in answer.content.decode()
    if fmt == "json":
        assert detail.json()[0]["status_notes"] == "已更换灯泡"
        assert len(updates.json()) == 3  # the rating is still an update, without its words


def test_a_jurisdiction_with_too_many_buildings_lists_them_per_community(client, city,
                                                                          monkeypatch):
    from interop.open311 import submission

    def address_values():
        answer = get(client, "services/lights.json", jurisdiction_id=city.code).json()
        (address,) = [a for a in answer["attributes"] if a["code"] == "address_id"]
        return address

    listed = address_values()
    assert str(city.registry.building_a.pk) in [v["key"] for v in listed["values"]]
    monkeypatch.setattr(submission, "MAX_LISTED_BUILDINGS", len(listed["values"]) - 1)
    capped = address_values()
    assert capped["values"] == []
    assert "too many buildings" in capped["datatype_description"]
