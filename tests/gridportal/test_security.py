import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from tests.grids.factories import ServicePointFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "gridportal.settings",
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": "x7Kq2-very-long-production-secret-for-the-deploy-check-0123456789abcdef",
        "ALLOWED_HOSTS": "portal.example.org",
        "PII_ENCRYPTION_KEYS": "gAl2m1wEQAV1vE2u-E9zK4lmdu9vJw1Jc0q5zWeTbXI=",
        "PII_HASH_KEY": "a-long-random-hash-key-for-the-deploy-check-0123456789",
    })
    env.update(extra)
    return env


def test_deploy_check_passes_with_production_values(tmp_path):
    # On a database of its own, empty: the settings are judged here, not the data (a migrated
    # database without next year's holiday arrangement warns from November, tickets.W001).
    env = _production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_personal_data_keys():
    env = _production_env()
    env.pop("PII_ENCRYPTION_KEYS")
    env.pop("PII_HASH_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "residents.E001" in result.stdout + result.stderr


def test_production_settings_use_argon2_short_sessions_and_no_browsable_api():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PASSWORD_HASHERS[0]); print(s.SESSION_COOKIE_AGE); "
        "print(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']); print(s.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_production_env(),
                            capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert lines[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert int(lines[1]) <= 12 * 3600
    assert "BrowsableAPIRenderer" not in lines[2]
    assert int(lines[3]) >= 31536000


def test_session_age_cannot_be_configured_past_twelve_hours():
    code = "import django; django.setup(); from django.conf import settings as s; " \
           "print(s.SESSION_COOKIE_AGE)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                            env=_production_env(SESSION_COOKIE_AGE="999999"),
                            capture_output=True, text=True, timeout=120)
    assert int(result.stdout.strip()) == 12 * 3600


def test_every_response_carries_the_security_headers(client, community):
    client.force_login(community.worker_a)
    for url in (reverse("login"), reverse("home"), reverse("grids:tree")):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        script_src = next(part for part in csp.split(";") if "script-src" in part)
        assert "'self'" in script_src and "unsafe-inline" not in script_src
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_outside_the_server(client, community):
    client.force_login(community.hub1_head)
    for url in (reverse("login"), reverse("home"), reverse("grids:tree"),
                reverse("grids:node_detail", args=[community.g5a.pk])):
        body = client.get(url).content.decode()
        assert "http://" not in body and "https://" not in body and "//cdn" not in body
        assert "<script>" not in body  # no inline script anywhere


def test_login_lockout_is_per_username_and_address(client, community):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "worker_a", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    locked = client.post(url, {"username": "worker_a", "password": "secret-pass-123"},
                         REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Someone else behind the same address is not locked out...
    other = client.post(url, {"username": "worker_b", "password": "secret-pass-123"},
                        REMOTE_ADDR="10.0.0.1")
    assert other.status_code == 302
    client.logout()
    # ...nor is the same user from another address.
    elsewhere = client.post(url, {"username": "worker_a", "password": "secret-pass-123"},
                            REMOTE_ADDR="10.0.0.2")
    assert elsewhere.status_code == 302


def test_api_token_endpoint_respects_the_lockout(api_client, community):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "worker_a", "password": "nope"},
                        REMOTE_ADDR="10.0.0.9")
    response = api_client.post("/api/v1/auth/token/",
                               {"username": "worker_a", "password": "secret-pass-123"},
                               REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "detail" in response.json()


def test_wrong_password_is_a_form_error_in_chinese(client, community):
    response = client.post(reverse("login"), {"username": "worker_a", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_uploads_have_no_public_url(client, community):
    client.force_login(community.admin)
    assert client.get(f"{settings.MEDIA_URL}anything.jpg").status_code == 404
    assert client.get("/media/anything.jpg").status_code == 404


def test_model_strings_never_contain_a_phone_number(community):
    point = ServicePointFactory(node=community.g4a, phone="13912345678")
    user = UserFactory(username="phoneuser")
    assignment = user.assignments.create(node=community.g5a, role="worker")
    for obj in (point, assignment, community.g5a, point.node):
        assert "13912345678" not in str(obj)
    for model in apps.get_models():
        if model._meta.app_label in {"grids", "residents", "tickets", "committees"}:
            names = {f.name for f in model._meta.get_fields()}
            sensitive = names & {"phone", "id_number", "national_id"}
            if sensitive:
                assert "__str__" in vars(model), f"{model.__name__} must define a safe __str__"


def test_settings_module_reads_the_environment_in_one_place():
    settings_module = importlib.import_module("gridportal.settings")
    source = Path(settings_module.__file__).read_text()
    assert "environ.Env()" in source
    offenders = [
        path for path in ROOT.glob("*/**/*.py")
        if ".venv" not in path.parts and "tests" not in path.parts
        and path.name != "settings.py" and "os.environ[" in path.read_text()
    ]
    assert offenders == []


def test_the_file_broker_keeps_all_its_folders_under_var(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "import json; print(json.dumps(s.CELERY_BROKER_TRANSPORT_OPTIONS))")
    env = _production_env(VAR_DIR=str(tmp_path))
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    import json

    options = json.loads(result.stdout)
    folders = [options[key] for key in ("data_folder_in", "data_folder_out",
                                        "unacked_folder", "control_folder")]
    assert all(folder.startswith(str(tmp_path)) for folder in folders)
