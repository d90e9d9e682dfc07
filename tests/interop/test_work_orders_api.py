"""The hotline pushes its work orders by API: one ticket per number, whatever the retries."""


import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from interop.models import ApiClient, WorkOrderLink
from tests.at_once import at_once
from tests.tickets.test_work_orders import csv_file, upload
from tickets import services
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-orders/"
ORDER = {"external_number": "GD2026120701", "channel": "12345热线", "whistle": "常规",
         "category": "设施维修", "title": "路灯不亮", "description": "3栋前路灯不亮",
         "reporter_name": "王先生", "reporter_phone": "138 0000 2222", "address": "3栋前",
         "grid": "G5A"}


def as_client(client: ApiClient) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {client.key}")
    return api


def test_a_work_order_makes_a_ticket_and_its_retry_answers_the_same_one(hotline, community):
    api = as_client(hotline)
    first = api.post(URL, ORDER, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    ticket = Ticket.objects.get()
    assert body["reference"] == ticket.reference and body["created"] is True
    assert body["work_order"] == "GD2026120701" and body["status"] == "new"
    assert body["tracking_url"].endswith(f"/track/{ticket.tracking_token}/")
    assert (ticket.owner, ticket.channel, ticket.reporter_phone) == (
        community.g5a, "hotline", "13800002222")
    again = api.post(URL, ORDER, format="json")
    assert again.status_code == 200
    assert again.json()["reference"] == ticket.reference and again.json()["created"] is False
    assert Ticket.objects.count() == 1
    assert not ticket.events.filter(action="reimport").exists()


def test_a_changed_work_order_updates_its_ticket(hotline):
    api = as_client(hotline)
    api.post(URL, ORDER, format="json")
    response = api.post(URL, {**ORDER, "description": "3栋前路灯不亮一周了"}, format="json")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.description == "3栋前路灯不亮一周了"
    assert list(ticket.events.filter(action="reimport").values_list("data", flat=True)) == [
        {"fields": ["description"]}]


def test_codes_are_taken_as_well_as_the_spreadsheets_words(hotline):
    response = as_client(hotline).post(URL, {
        "external_number": "JS1", "channel": "jiesu_jiban", "whistle": "key",
        "category": "city_appearance", "description": "垃圾未清运", "grid": "G5B"},
        format="json")
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.whistle, ticket.category.code, ticket.title) == (
        "jiesu_jiban", "key", "city_appearance", "垃圾未清运")


def test_a_grid_outside_the_clients_jurisdiction_is_a_400_naming_grid(hotline):
    response = as_client(hotline).post(URL, {**ORDER, "grid": "G4X"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["grid"]
    assert "网格" in response.json()["grid"][0]
    assert not Ticket.objects.exists()


def test_each_wrong_field_is_named_in_chinese_and_nothing_is_saved(hotline):
    response = as_client(hotline).post(URL, {
        **ORDER, "description": "", "whistle": "特急", "reporter_phone": "12ab",
        "category": "无此类别"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"description", "whistle", "reporter_phone", "category"}
    assert "常规" in errors["whistle"][0]
    assert not Ticket.objects.exists() and not WorkOrderLink.objects.exists()


@pytest.mark.parametrize("body", ["true", "[]", '"x"'])
def test_a_body_that_is_not_an_object_is_a_400(hotline, body):
    response = as_client(hotline).post(URL, body, content_type="application/json")
    assert response.status_code == 400


def test_only_a_client_allowed_to_push_work_orders_may(hotline, community):
    assert APIClient().post(URL, ORDER, format="json").status_code == 401
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=community.admin)}")
    assert staff.post(URL, ORDER, format="json").status_code == 401
    session = APIClient()
    session.force_login(community.admin)
    assert session.post(URL, ORDER, format="json").status_code == 401
    hotline.work_orders = False
    hotline.save()
    assert as_client(hotline).post(URL, ORDER, format="json").status_code == 403
    hotline.work_orders, hotline.revoked = True, True
    hotline.save()
    assert as_client(hotline).post(URL, ORDER, format="json").status_code == 401
    assert not Ticket.objects.exists()


def test_numbers_are_per_client(hotline, community):
    other = ApiClient(name="数字城管", work_orders=True, channel="city_management",
                      rate="1000/minute")
    other.key = ApiClient.objects.assign_key(other)
    other.save()
    other.jurisdictions.add(community.community)
    assert as_client(hotline).post(URL, ORDER, format="json").status_code == 201
    response = as_client(other).post(URL, {**ORDER, "channel": ""}, format="json")
    assert response.status_code == 201
    assert Ticket.objects.count() == 2
    assert as_client(other).get(f"{URL}GD2026120701/").json()["reference"] == \
        response.json()["reference"]


def test_a_work_order_imported_from_a_file_first_is_the_same_ticket(hotline, community, login):
    upload(login(community.center_staff),
           csv_file("GD2026120701,12345热线,常规,设施维修,路灯不亮,3栋前路灯不亮,,,,G5A"))
    response = as_client(hotline).post(URL, ORDER, format="json")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.work_order.client == hotline
    assert ticket.reporter_name == "王先生"


def test_the_client_reads_the_public_steps_and_call_back_log_of_its_work_order(
        hotline, community):
    api = as_client(hotline)
    api.post(URL, ORDER, format="json")
    ticket = Ticket.objects.get()
    services.ticket_transition(ticket=ticket, actor=community.admin, action="accept")
    services.ticket_transition(ticket=ticket, actor=community.admin, action="comment",
                               note="内部：先联系物业")
    response = api.get(f"{URL}GD2026120701/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert [step["step"] for step in body["steps"]] == ["created", "accepted"]
    assert "物业" not in str(body)  # the internal comment is not the hotline's
    assert body["callbacks"] == []  # no call-back URL configured
    assert api.get(f"{URL}NOPE/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_number_at_once_make_one_ticket(hotline):
    def post() -> tuple[int, dict]:
        response = as_client(hotline).post(URL, ORDER, format="json")
        return response.status_code, response.json()

    answers = at_once(post)
    assert sorted(code for code, _body in answers) == [200, 201], answers
    assert answers[0][1]["reference"] == answers[1][1]["reference"]
    assert Ticket.objects.count() == 1 and WorkOrderLink.objects.count() == 1


def test_the_status_costs_the_same_queries_however_many_steps(hotline, community,
                                                              django_assert_max_num_queries):
    api = as_client(hotline)
    api.post(URL, ORDER, format="json")
    ticket = Ticket.objects.get()
    with django_assert_max_num_queries(8) as few_steps:
        assert api.get(f"{URL}GD2026120701/").status_code == 200
    for action, params in (("accept", {}), ("start", {}), ("resolve", {"note": "已修好"}),
                           ("reply", {"note": "已回复"})):
        services.ticket_transition(ticket=ticket, actor=community.admin, action=action,
                                   **params)
    for note in ("一", "二", "三"):
        services.ticket_transition(ticket=ticket, actor=community.admin, action="public_reply",
                                   note=note)
    with django_assert_max_num_queries(len(few_steps.captured_queries)):
        body = api.get(f"{URL}GD2026120701/").json()
    assert len(body["steps"]) == 7  # created, accepted, resolved, replied, three messages


def test_a_number_another_client_holds_in_the_same_channel_is_a_400(hotline, community):
    other = ApiClient(name="另一热线", work_orders=True, channel="hotline", rate="1000/minute")
    other.key = ApiClient.objects.assign_key(other)
    other.save()
    other.jurisdictions.add(community.community)
    assert as_client(hotline).post(URL, ORDER, format="json").status_code == 201
    response = as_client(other).post(URL, {**ORDER, "description": "别的"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["external_number"]
    assert Ticket.objects.get().description == "3栋前路灯不亮"


def test_a_number_already_entered_in_another_jurisdiction_is_not_taken_over(hotline,
                                                                            community):
    """A ticket of that number and channel entered from the spreadsheet outside the client's
    jurisdictions is not linked to the client: it could not read it (its steps, its tracking
    link) nor rewrite it."""
    from tests.tickets.factories import make_ticket

    theirs = make_ticket(channel=Channel.HOTLINE, external_number=ORDER["external_number"],
                         node=community.g4x, title="六合的工单", reporter_name="张女士")
    response = as_client(hotline).post(URL, ORDER, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["external_number"]
    theirs.refresh_from_db()
    assert (theirs.title, theirs.reporter_name) == ("六合的工单", "张女士")
    assert not WorkOrderLink.objects.exists()
    assert as_client(hotline).get(f"{URL}{ORDER['external_number']}/").status_code == 404


def test_an_open311_request_of_the_same_client_is_not_a_work_order(hotline, community):
    """A client may speak both: its Open311 requests are linked for call-backs, but the
    work-order API neither updates them nor hands out their tracking link (Open311 never
    gives the resident's token)."""
    from interop.models import LinkSource
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(channel=Channel.OPEN311, node=community.g5a)
    WorkOrderLink.objects.create(ticket=ticket, client=hotline, number=ticket.reference,
                                 source=LinkSource.OPEN311)
    api = as_client(hotline)
    status = api.get(f"{URL}{ticket.reference}/")
    assert status.status_code == 404
    pushed = api.post(URL, {**ORDER, "external_number": ticket.reference}, format="json")
    assert pushed.status_code == 400
    assert "external_number" in pushed.json()
    assert ticket.tracking_token not in pushed.content.decode()
    ticket.refresh_from_db()
    assert ticket.description != ORDER["description"]


def test_a_client_over_its_rate_gets_429_and_nothing_is_made(hotline):
    hotline.rate = "2/hour"
    hotline.save(update_fields=["rate"])
    api = as_client(hotline)
    answers = [api.post(URL, {**ORDER, "external_number": f"GD-{n}"}, format="json")
               for n in range(3)]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert not Ticket.objects.filter(external_number="GD-2").exists()
