import pytest

from tests.tickets.factories import category, make_ticket
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_a_worker_lists_and_reads_only_their_grids_tickets(community, api_client):
    mine = make_ticket(node=community.g5a)
    theirs = make_ticket(node=community.g5b)
    api_client.force_authenticate(community.worker_a)
    body = api_client.get("/api/v1/tickets/").json()
    assert [row["reference"] for row in body["results"]] == [mine.reference]
    assert api_client.get(f"/api/v1/tickets/{theirs.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/tickets/{theirs.pk}/events/").status_code == 404
    response = api_client.post(f"/api/v1/tickets/{theirs.pk}/transitions/",
                               {"action": "accept"})
    assert response.status_code == 404


def test_staff_create_a_ticket_that_is_routed_to_the_grid(community, registry, api_client):
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/tickets/", {
        "channel": "hotline", "category": category().pk, "title": "电梯停运",
        "description": "2单元电梯停了", "dwelling": registry.dwelling_a.pk,
        "reporter_name": "李先生", "reporter_phone": "13700001111",
    })
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == community.g5a.pk


def test_creating_outside_scope_names_the_field(community, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.post("/api/v1/tickets/", {
        "channel": "patrol", "category": category().pk, "title": "x", "description": "y",
        "node": community.g5b.pk})
    assert response.status_code == 400 and "node" in response.json()


def test_transitions_and_events_through_the_api(community, api_client):
    ticket = make_ticket(node=community.g5a)
    api_client.force_authenticate(community.worker_a)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    assert api_client.post(url, {"action": "accept"}).json()["status"] == "accepted"
    assert api_client.post(url, {"action": "start"}).status_code == 200
    missing_note = api_client.post(url, {"action": "resolve"})
    assert missing_note.status_code == 400 and "note" in missing_note.json()
    conflict = api_client.post(url, {"action": "accept"})
    assert conflict.status_code == 409
    events = api_client.get(f"/api/v1/tickets/{ticket.pk}/events/").json()
    assert [e["action"] for e in events] == ["", "accept", "start"]
    unknown = api_client.post(url, {"action": "teleport"})
    assert unknown.status_code == 400 and "action" in unknown.json()


def test_list_filters_accept_only_named_values(community, api_client):
    make_ticket(node=community.g5a)
    api_client.force_authenticate(community.admin)
    assert api_client.get("/api/v1/tickets/", {"status": "bogus"}).status_code == 400
    rows = api_client.get("/api/v1/tickets/", {"status": "new"}).json()["results"]
    assert len(rows) == 1 and rows[0]["status"] == Status.NEW


def test_the_ticket_list_costs_the_same_queries_for_3_and_30_tickets(community, api_client,
                                                                       django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_client.force_authenticate(community.hub1_head)
    for _ in range(3):
        make_ticket(node=community.g5a)
    with CaptureQueriesContext(connection) as few:
        api_client.get("/api/v1/tickets/")
    for _ in range(27):
        make_ticket(node=community.g5b)
    with CaptureQueriesContext(connection) as many:
        body = api_client.get("/api/v1/tickets/").json()
    assert len(body["results"]) == 30 and Ticket.objects.count() == 30
    assert len(many) == len(few) <= 10


def test_a_community_head_naming_a_department_not_allowed_there_gets_a_400_and_no_change(
        community, api_client):
    from grids.models import Role
    from tests.grids.factories import AssignmentFactory, UserFactory
    from tests.tickets.factories import department

    head = UserFactory(username="sjc_secretary")
    AssignmentFactory(user=head, node=community.community, role=Role.HEAD)
    city = department()
    ticket = make_ticket(node=community.g5a)
    api_client.force_authenticate(head)
    response = api_client.post(f"/api/v1/tickets/{ticket.pk}/transitions/", {
        "action": "escalate", "department": city.pk, "note": "请城管处置"})
    assert response.status_code == 400
    assert "城管局" in response.json()["department"][0]
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.department, ticket.escalation_level) == (community.g5a, None, 0)
    assert not ticket.summoned_departments.exists()


def test_a_community_the_street_allows_whistles_through_the_api(community, api_client):
    from grids.models import Role
    from tests.grids.factories import AssignmentFactory, UserFactory
    from tests.tickets.factories import department
    from tickets.models import WhistleRule

    head = UserFactory(username="sjc_secretary")
    AssignmentFactory(user=head, node=community.community, role=Role.HEAD)
    city = department()
    WhistleRule.objects.create(node_kind="community", node=community.community)
    ticket = make_ticket(node=community.g5a)
    api_client.force_authenticate(head)
    response = api_client.post(f"/api/v1/tickets/{ticket.pk}/transitions/", {
        "action": "escalate", "department": city.pk, "note": "请城管处置"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["department"], body["department_name"], body["owner"]) == (
        city.pk, "城管局", community.community.pk)
    events = api_client.get(f"/api/v1/tickets/{ticket.pk}/events/").json()
    assert events[-1]["action"] == "whistle" and events[-1]["data"]["department"] == "城管局"


def _png(name="step.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_step_with_photos_through_the_api_lists_them_on_its_event(community, api_client):
    ticket = make_ticket(node=community.g5a)
    api_client.force_authenticate(community.worker_a)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    response = api_client.post(url, {"action": "accept", "note": "到现场看了",
                                     "photos": [_png("a.png"), _png("b.png")]},
                               format="multipart")
    assert response.status_code == 200, response.content
    events = api_client.get(f"/api/v1/tickets/{ticket.pk}/events/").json()
    accept = next(event for event in events if event["action"] == "accept")
    assert len(accept["photos"]) == 2
    assert api_client.get(accept["photos"][0]["url"]).status_code == 200
    # The photo is the ticket's: someone outside the ticket's area gets nothing.
    api_client.force_authenticate(community.worker_b)
    assert api_client.get(accept["photos"][0]["url"]).status_code == 404


def test_a_step_with_something_that_is_not_a_photo_is_a_400_and_changes_nothing(
        community, api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket(node=community.g5a)
    api_client.force_authenticate(community.worker_a)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "accept", "photos": [SimpleUploadedFile("x.png", b"not an image")]},
        format="multipart")
    assert response.status_code == 400 and "photos" in response.json()
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
