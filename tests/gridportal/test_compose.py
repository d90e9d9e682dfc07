"""The container deployment: docker-compose.yml, the Dockerfile and .dockerignore, read as text.

Nothing is built or started here; these tests pin down the wiring a deployment relies on.
"""

import re
import shlex
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "worker-deadlines", "beat")


@cache
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def command(name: str) -> str:
    cmd = service(name)["command"]
    return cmd if isinstance(cmd, str) else shlex.join(cmd)


def healthcheck_test(name: str) -> str:
    test = service(name)["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def app_env() -> dict:
    return compose()["x-app-env"]


@cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    return instructions


def test_the_stack_has_database_cache_web_worker_and_beat():
    assert set(compose()["services"]) >= {"db", "redis", "web", "worker", "beat"}
    assert "version" not in compose()


def test_database_is_postgres_16_and_broker_is_redis_7():
    assert service("db")["image"].startswith("postgres:16")
    assert service("redis")["image"].startswith("redis:7")


def test_database_and_redis_report_their_health():
    assert "pg_isready" in healthcheck_test("db")
    assert "-d gridportal" in healthcheck_test("db")
    assert "redis-cli" in healthcheck_test("redis")
    assert "ping" in healthcheck_test("redis")


def test_web_migrates_before_serving_under_gunicorn():
    cmd = command("web")
    assert "migrate --noinput" in cmd
    assert "gunicorn" in cmd
    assert cmd.index("migrate") < cmd.index("gunicorn")
    assert "gridportal.wsgi:application" in cmd
    assert "0.0.0.0:8000" in cmd
    # gunicorn replaces the shell, so it receives the stop signal itself.
    assert "exec gunicorn" in cmd


def test_worker_and_beat_run_the_gridportal_celery_app():
    assert "celery -A gridportal worker" in command("worker")
    assert "celery -A gridportal beat" in command("beat")


def test_app_services_wait_until_database_and_redis_are_healthy():
    for name in APP_SERVICES:
        depends_on = service(name)["depends_on"]
        for dependency in ("db", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)


def test_app_services_share_one_environment_and_one_build():
    for name in APP_SERVICES:
        assert service(name)["environment"] == app_env(), name
        assert service(name)["build"] == ".", name


def test_web_health_is_checked_through_healthz_without_curl():
    test = healthcheck_test("web")
    assert "/healthz/" in test
    assert "urllib" in test
    assert "curl" not in test


def test_web_healthcheck_code_is_valid_python():
    test = service("web")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")


@pytest.mark.parametrize(("name", "node"), [("worker", "celery"),
                                            ("worker-deadlines", "deadlines")])
def test_each_worker_pings_its_own_node_with_the_dollar_escaped_for_compose(name, node):
    test = healthcheck_test(name)
    assert "celery -A gridportal inspect ping" in test
    assert f"{node}@$$HOSTNAME" in test
    assert f"-n {node}@%h" in command(name)  # the node name the ping asks for
    # A single "$" would be substituted by Compose itself (to nothing) instead of by the shell.
    assert re.search(r"(?<!\$)\$HOSTNAME", test) is None


def test_deadlines_have_a_worker_of_their_own():
    """The sweep and reminder deliveries are routed to their own queue (settings); one worker
    takes only that queue, the other everything else, so a flood of notices never delays a
    deadline."""
    from django.conf import settings

    assert "-Q deadlines" in command("worker-deadlines")
    assert "-Q celery" in command("worker")
    from gridportal.celery import app

    for task in ("tickets.tasks.sweep_task", "tickets.tasks.deliver_reminder_task",
                 "tickets.tasks.deliver_reminders_task", "committees.tasks.cadence_sweep_task"):
        assert app.amqp.router.route({}, task)["queue"].name == settings.DEADLINES_QUEUE, task
    assert app.amqp.router.route({}, "tickets.tasks.notify_task")["queue"].name == "celery"


def test_app_talks_to_postgres_on_db_and_redis_on_redis_without_debug():
    database = urlparse(app_env()["DATABASE_URL"])
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "db"
    assert urlparse(app_env()["REDIS_URL"]).hostname == "redis"
    assert urlparse(app_env()["REDIS_URL"]).scheme == "redis"
    assert str(app_env()["DEBUG"]) == "0"


def test_secret_key_must_come_from_the_operator():
    assert app_env()["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_personal_data_keys_must_come_from_the_operator():
    # Keys generated inside a container would vanish with it, and every ID number with them.
    for name in ("PII_ENCRYPTION_KEYS", "PII_HASH_KEY"):
        assert app_env()[name].startswith(f"${{{name}:?")


def test_postgres_data_lives_in_a_declared_named_volume():
    volumes = compose()["volumes"]
    assert "pgdata" in volumes
    assert "pgdata:/var/lib/postgresql/data" in service("db")["volumes"]
    assert "uploads" in volumes
    for name in ("web", "worker", "worker-deadlines"):
        assert "uploads:/app/var/uploads" in service(name)["volumes"], name


def test_image_collects_static_files_at_build_time():
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    assert any("collectstatic --noinput" in args for args in runs)
    assert any("compile_translations" in args for args in runs)


def test_image_bakes_no_secret_key_into_its_environment():
    for keyword, args in dockerfile_instructions():
        if keyword in {"ENV", "ARG"}:
            assert "SECRET_KEY" not in args, (keyword, args)


def test_image_runs_as_a_non_root_user():
    users = [args for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile never switches user"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_image_serves_gridportal_under_gunicorn_on_port_8000():
    instructions = dict(dockerfile_instructions())
    assert instructions["FROM"].startswith("python:3.11-slim")
    assert "8000" in instructions["EXPOSE"]
    assert "gunicorn" in instructions["CMD"]
    assert "gridportal.wsgi:application" in instructions["CMD"]


def test_build_context_leaves_out_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # var/ holds the development secret_key and SQLite database; .env holds deployment secrets.
    assert {".git", ".venv", "var", ".env"} <= ignored


def test_gunicorn_gives_a_large_registry_import_time_to_finish():
    # A 100,000-row import takes 8-20 s inside the request; gunicorn's default is 30 s.
    assert "--timeout 120" in command("web")
    cmd = dict(dockerfile_instructions())["CMD"]
    assert '"--timeout", "120"' in cmd


# --- The scaled profile -----------------------------------------------------------------------

SCALED = ("proxy", "db-replica", "worker-callbacks")
WORKERS = ("worker", "worker-deadlines", "worker-callbacks")


def queues_of(name: str) -> set[str]:
    match = re.search(r"-Q (\S+)", command(name))
    assert match, name
    return set(match[1].split(","))


def test_the_scaled_services_start_only_with_the_scaled_profile():
    for name in SCALED:
        assert service(name)["profiles"] == ["scaled"], name
    # `docker compose up` without a profile starts what it always did.
    for name in ("db", "redis", "web", "worker", "worker-deadlines", "beat"):
        assert "profiles" not in service(name), name


def test_the_proxy_spreads_requests_over_every_web_container_by_its_dns_name():
    proxy = service("proxy")
    assert proxy["image"].startswith("nginx:")
    mount = next(v for v in proxy["volumes"] if v.endswith(":/etc/nginx/conf.d/default.conf:ro"))
    conf = (ROOT / mount.split(":")[0]).read_text()
    # Docker's DNS is asked again and again, so containers added by --scale are found too.
    assert re.search(r"^resolver 127\.0\.0\.11 valid=\d+s", conf, re.M)
    assert "set $gridportal_web http://web:8000;" in conf
    assert "proxy_pass $gridportal_web;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_read_timeout 120s;" in conf  # as long as gunicorn's --timeout
    assert proxy["depends_on"]["web"]["condition"] == "service_started"
    assert any(port.endswith(":80") for port in proxy["ports"])


def test_several_web_containers_can_run_without_fighting_for_one_host_port():
    # One container publishes 8000 as before; scaled, WEB_PORTS names a range (or none).
    assert service("web")["ports"] == ["${WEB_PORTS:-8000}:8000"]
    for name in ("web", *WORKERS):
        assert "container_name" not in service(name), name


def test_every_queue_the_code_routes_to_has_a_worker_and_callbacks_have_their_own():
    from django.conf import settings

    from gridportal.celery import app

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    routed.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    served = set().union(*(queues_of(name) for name in ("worker", "worker-deadlines")))
    assert routed <= served  # the default stack serves them all
    assert queues_of("worker-callbacks") == {settings.CALLBACKS_QUEUE}
    for task in ("interop.tasks.deliver_callbacks_task", "interop.tasks.callbacks_sweep_task"):
        assert app.amqp.router.route({}, task)["queue"].name == settings.CALLBACKS_QUEUE, task


def test_each_scaled_worker_names_its_node_after_its_own_container():
    # %h is the container's host name: `--scale worker=3` makes three nodes, not one name thrice.
    for name in WORKERS:
        node = re.search(r"-n (\w+)@%h", command(name))[1]
        assert f"{node}@$$HOSTNAME" in healthcheck_test(name), name
    assert service("worker-callbacks")["environment"] == app_env()
    assert service("worker-callbacks")["build"] == "."


def test_the_primary_lets_a_replicator_role_stream():
    db = service("db")
    init = next(v for v in db["volumes"] if "/docker-entrypoint-initdb.d/" in v)
    script = (ROOT / init.split(":")[0]).read_text()
    assert "CREATE ROLE replicator WITH REPLICATION LOGIN" in script
    assert "host replication replicator all scram-sha-256" in script
    assert "pg_reload_conf()" in script
    assert db["environment"]["POSTGRES_REPLICATION_PASSWORD"].startswith(
        "${POSTGRES_REPLICATION_PASSWORD")


def test_the_replica_copies_the_primary_once_then_runs_as_a_hot_standby():
    replica = service("db-replica")
    assert replica["image"] == service("db")["image"]
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert (replica["environment"]["POSTGRES_REPLICATION_PASSWORD"]
            == service("db")["environment"]["POSTGRES_REPLICATION_PASSWORD"])
    assert "pgreplica:/var/lib/postgresql/data" in replica["volumes"]
    assert "pgreplica" in compose()["volumes"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    mount = next(v for v in replica["volumes"] if v.startswith("./deploy/"))
    host_path, container_path = mount.split(":")[:2]
    assert replica["entrypoint"] == ["sh", container_path]
    script = (ROOT / host_path).read_text()
    assert 'if [ ! -s "$PGDATA/PG_VERSION" ]' in script  # only into an empty data directory
    assert re.search(r'pg_basebackup -h "\$PRIMARY_HOST" -U replicator -D "\$PGDATA" -R', script)
    assert script.rstrip().endswith("exec docker-entrypoint.sh postgres")


@pytest.mark.parametrize("script", ["deploy/postgres/replication.sh",
                                    "deploy/postgres/replica-entrypoint.sh"])
def test_the_database_scripts_are_valid_shell(script):
    import subprocess

    result = subprocess.run(["sh", "-n", str(ROOT / script)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


def test_the_replica_is_given_to_the_app_only_when_the_operator_names_it():
    replica_url = app_env()["DATABASE_REPLICA_URL"]
    assert replica_url == "${DATABASE_REPLICA_URL:-}"  # empty: one database, no router
    assert app_env()["REPLICA_PIN_SECONDS"].startswith("${REPLICA_PIN_SECONDS:-")
