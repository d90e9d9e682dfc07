"""What the schema fuzzer (test_schema_fuzz.py) found, each pinned by a plain test: a body
that is not an object, names of optional relations that are null, a blank choice, and the
events list that is not paginated."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(world):
    client = APIClient()
    client.force_authenticate(world.community.center_staff)
    return client


@pytest.fixture
def schema(staff_api):
    return staff_api.get("/api/schema/?format=json").json()


@pytest.mark.parametrize("body", ["true", "[]", "1", '"x"', "null"])
def test_a_body_that_is_not_an_object_is_a_400(world, staff_api, body):
    for method, path in (("patch", f"/api/v1/partner-units/{world.partner.pk}/"),
                         ("put", f"/api/v1/services/{world.service_item.pk}/"),
                         ("post", "/api/v1/activities/")):
        response = getattr(staff_api, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code)


def test_a_partial_update_still_shows_a_missing_service_point_as_null(world, staff_api):
    response = staff_api.patch(f"/api/v1/services/{world.service_item.pk}/", {},
                               format="json")
    assert response.status_code == 200
    assert response.json()["service_point"] is None
    assert response.json()["service_point_name"] is None


@pytest.mark.parametrize(("component", "field"), [
    ("Activity", "partner_name"), ("Activity", "team_name"), ("Activity", "committee_name"),
    ("ServiceItem", "service_point_name"), ("Ticket", "department_name"),
    ("Decision", "owner_name")])
def test_the_name_of_an_optional_relation_is_nullable_in_the_schema(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def _enum(schema: dict, prop: dict) -> list:
    """The values a property's schema allows, through drf-spectacular's oneOf of enums."""
    options = prop.get("oneOf", [prop])
    components = schema["components"]["schemas"]
    return [value for option in options for value in
            (components[option["$ref"].rsplit("/", 1)[1]] if "$ref" in option else option)
            .get("enum", [])]


@pytest.mark.parametrize(("path", "component", "field"), [
    ("/api/v1/residents/{head_a}/", "Resident", "concern_level"),
    ("/api/v1/tickets/{ticket}/", "Ticket", "satisfaction")])
def test_a_blank_choice_is_answered_and_allowed_by_the_schema(world, staff_api, schema, path,
                                                              component, field):
    url = path.format(head_a=world.registry.head_a.pk, ticket=world.ticket.pk)
    assert staff_api.get(url).json()[field] == ""
    assert "" in _enum(schema, schema["components"]["schemas"][component]["properties"][field])


def test_the_events_of_a_ticket_are_one_list_as_the_schema_says(world, staff_api, schema):
    body = staff_api.get(f"/api/v1/tickets/{world.ticket.pk}/events/").json()
    assert isinstance(body, list) and len(body) == 2
    operation = schema["paths"]["/api/v1/tickets/{id}/events/"]["get"]
    content = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert content["type"] == "array"
    assert not [p for p in operation.get("parameters", []) if p["in"] == "query"]


@pytest.mark.parametrize(("path", "method", "codes"), [
    ("/api/v1/tickets/{id}/transitions/", "post", {"200", "400", "403", "404", "409"}),
    ("/api/v1/tickets/", "get", {"200", "400", "403", "404"}),
    ("/api/v1/grid-nodes/{id}/", "get", {"200", "403", "404"}),
    ("/api/v1/public/tickets/", "post", {"200", "201", "400", "422", "429"}),
    ("/api/v1/public/tickets/{token}/", "get", {"200", "404"}),
    ("/api/v1/auth/token/", "post", {"200", "400", "429"})])
def test_each_operation_documents_its_error_answers(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes & {"400", "403", "404"}:  # the ones every view gets (gridportal.schema)
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1] in {"ErrorDetail", "ValidationError"}


def test_the_idempotency_key_header_documents_its_pattern(schema):
    [header] = [p for p in schema["paths"]["/api/v1/public/tickets/"]["post"]["parameters"]
                if p["in"] == "header"]
    assert header["schema"]["pattern"] == "^[A-Za-z0-9_-]{16,56}$"
