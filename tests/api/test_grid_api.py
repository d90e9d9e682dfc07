import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from grids.models import Assignment, Role

pytestmark = pytest.mark.django_db


def test_anonymous_callers_are_refused(community, api_client):
    response = api_client.get("/api/v1/grid-nodes/")
    assert response.status_code in (401, 403)


def test_token_authentication_reads_the_callers_scope(community, api_client):
    token = Token.objects.create(user=community.hub1_head)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/grid-nodes/")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"H1", "G4A", "G5A", "G5B"}


def test_obtaining_a_token_with_username_and_password(community, api_client):
    response = api_client.post("/api/v1/auth/token/",
                               {"username": "worker_a", "password": "secret-pass-123"})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=community.worker_a).key


def test_filter_by_kind_and_within(community, api_client):
    api_client.force_authenticate(community.center_staff)
    grid5 = api_client.get("/api/v1/grid-nodes/", {"kind": "grid5"}).json()["results"]
    assert {row["code"] for row in grid5} == {"G5A", "G5B", "G5C"}
    within = api_client.get("/api/v1/grid-nodes/", {"within": community.hub2.pk}).json()
    assert [row["code"] for row in within["results"]] == ["H2", "G4B", "G5C"]


def test_within_a_node_outside_scope_is_refused_like_a_missing_one(community, api_client):
    api_client.force_authenticate(community.hub1_head)
    outside = api_client.get("/api/v1/grid-nodes/", {"within": community.hub2.pk})
    missing = api_client.get("/api/v1/grid-nodes/", {"within": 987654})
    assert outside.status_code == missing.status_code == 400
    assert "within" in outside.json()


def test_bad_kind_filter_names_the_field(community, api_client):
    api_client.force_authenticate(community.admin)
    response = api_client.get("/api/v1/grid-nodes/", {"kind": "planet"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_detail_lists_ancestors_from_the_root(community, api_client):
    api_client.force_authenticate(community.worker_a)
    body = api_client.get(f"/api/v1/grid-nodes/{community.g5a.pk}/").json()
    assert [a["code"] for a in body["ancestors"]] == ["ST", "SJC", "H1", "G4A"]
    assert body["parent"] == community.g4a.pk
    assert body["kind"] == "grid5"


def test_assignments_are_scoped(community, api_client):
    api_client.force_authenticate(community.worker_a)
    rows = api_client.get("/api/v1/assignments/").json()["results"]
    assert [(row["username"], row["role"]) for row in rows] == [("worker_a", "worker")]
    other = Assignment.objects.get(user=community.worker_b)
    assert api_client.get(f"/api/v1/assignments/{other.pk}/").status_code == 404


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_staff_assign_a_worker_within_their_area(community, api_client):
    _grant(community.center_staff, "add_assignment")
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/assignments/", {
        "user": community.worker_b.pk, "node": community.g5c.pk, "role": "worker",
        "starts_on": "2025-01-01",
    })
    assert response.status_code == 201, response.json()
    assert Assignment.objects.filter(user=community.worker_b, node=community.g5c).exists()


def test_assigning_outside_the_area_names_the_node_field(community, api_client):
    _grant(community.center_staff, "add_assignment")
    api_client.force_authenticate(community.center_staff)
    response = api_client.post("/api/v1/assignments/", {
        "user": community.worker_b.pk, "node": community.g4x.pk, "role": "worker",
        "starts_on": "2025-01-01",
    })
    assert response.status_code == 400
    assert "node" in response.json()


def test_assigning_without_the_permission_is_forbidden(community, api_client):
    api_client.force_authenticate(community.hub1_head)
    response = api_client.post("/api/v1/assignments/", {
        "user": community.worker_b.pk, "node": community.g5a.pk, "role": "worker",
        "starts_on": "2025-01-01",
    })
    assert response.status_code == 403
    assert not Assignment.objects.filter(user=community.worker_b, node=community.g5a).exists()


def test_bad_dates_are_a_field_error_not_a_crash(community, api_client):
    api_client.force_authenticate(community.admin)
    response = api_client.post("/api/v1/assignments/", {
        "user": community.worker_b.pk, "node": community.g5a.pk, "role": "head",
        "starts_on": "2025-05-01", "ends_on": "2025-04-01",
    })
    assert response.status_code == 400
    assert "ends_on" in response.json()
    response = api_client.post("/api/v1/assignments/", {
        "user": community.worker_b.pk, "node": community.g5a.pk, "role": "mayor",
        "starts_on": "not a date",
    })
    assert response.status_code == 400
    assert {"role", "starts_on"} <= set(response.json())


def test_ending_an_assignment_keeps_it_on_record(community, api_client):
    assignment = Assignment.objects.get(user=community.worker_a)
    api_client.force_authenticate(community.admin)
    response = api_client.post(f"/api/v1/assignments/{assignment.pk}/end/",
                               {"ends_on": "2024-12-31"})
    assert response.status_code == 200
    assert response.json()["is_current"] is False
    api_client.force_authenticate(community.worker_a)
    assert api_client.get("/api/v1/grid-nodes/").status_code == 403  # no role anywhere now


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "99999999999999999999"])
def test_ending_an_assignment_by_a_malformed_id_is_not_found(community, api_client, bad_id):
    api_client.force_authenticate(community.admin)
    response = api_client.post(f"/api/v1/assignments/{bad_id}/end/", {"ends_on": "2024-12-31"})
    assert response.status_code == 404


def test_current_filter(community, api_client):
    Assignment.objects.create(user=community.worker_a, node=community.g5b, role=Role.VOLUNTEER,
                              starts_on="2020-01-01", ends_on="2020-12-31")
    api_client.force_authenticate(community.hub1_head)
    current = api_client.get("/api/v1/assignments/", {"current": "true"}).json()["results"]
    assert all(row["is_current"] for row in current)
    past = api_client.get("/api/v1/assignments/", {"current": "false"}).json()["results"]
    assert [row["role"] for row in past] == ["volunteer"]


def test_service_points_are_scoped(community, api_client):
    from tests.grids.factories import ServicePointFactory

    ServicePointFactory(node=community.g4a, name="枫丹服务点")
    ServicePointFactory(node=community.g4x, name="六合驿站")
    api_client.force_authenticate(community.hub1_head)
    names = [row["name"] for row in api_client.get("/api/v1/service-points/").json()["results"]]
    assert names == ["枫丹服务点"]


def test_schema_describes_the_grid_endpoints(community, api_client):
    api_client.force_authenticate(community.worker_a)
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/grid-nodes/", "/api/v1/grid-nodes/{id}/", "/api/v1/assignments/"):
        assert path in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/grid-nodes/"]["get"]["parameters"]}
    assert {"kind", "within"} <= params


def test_api_docs_load_only_local_assets(community, client):
    client.force_login(community.worker_a)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in body
    assert "cdn." not in body and "https://" not in body


def test_service_points_filter_only_by_a_node_in_scope(community, api_client):
    api_client.force_authenticate(community.worker_a)
    outside = api_client.get("/api/v1/service-points/", {"node": community.g4x.pk})
    missing = api_client.get("/api/v1/service-points/", {"node": 999999})
    # A node outside the caller's area answers like a missing one: no way to tell it exists.
    assert outside.status_code == missing.status_code == 400
    assert set(outside.json()) == set(missing.json()) == {"node"}
