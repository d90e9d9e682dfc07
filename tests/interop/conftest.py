"""Interop fixtures.

Open311: A city app with its Open311 key in the test community (tests/conftest.py), the community's
boundaries drawn, and two public services.

The 12345 hotline: a hotline client with its key, and a small local receiver of status
call-backs that checks each signature with interop.callbacks.verify_signature, as a hotline's
server would.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.utils import timezone

from interop.callbacks import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from interop.models import ApiClient
from tests.grids.factories import draw_boundaries
from tests.tickets.factories import category, department
from tickets.models import Channel

IN_G5A = {"lat": "25.005", "long": "102.705"}
IN_OTHER = {"lat": "25.01", "long": "102.74"}  # 六合社区, another community of the street


def new_client(*roots, name="示范城市App", **fields):
    client, key = ApiClient.objects.create_key(name=name, **fields)
    client.jurisdictions.add(*roots)
    return client, key


@pytest.fixture
def city(community, registry, fresh_rate_limits):
    draw_boundaries(community)
    lights = category("lights", name="路灯照明")
    lights.departments.add(department())
    wish = category("wish", name="微心愿", is_wish=True)
    internal = category("staff-only", name="内部事项", internal=True)
    app, key = new_client(community.community, rate="1000/hour")
    return SimpleNamespace(community=community, registry=registry, lights=lights, wish=wish,
                           internal=internal, app=app, key=key, code=community.community.code)


def post_data(city, **changes) -> dict:
    data = {"api_key": city.key, "jurisdiction_id": city.code, "service_code": "lights",
            "description": "路灯不亮\n3号路灯从昨晚起不亮", **IN_G5A, "device_id": "phone-1",
            "first_name": "建华", "last_name": "李", "phone": "138 0000 1111",
            "email": "li@example.com", "account_id": "u-42"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


SECRETS = ("李建华", "13800001111", "li@example.com", "501室", "内部备注", "第二行不公开")


def seed_published(city) -> "object":
    """A ticket from the city app with everything a GET must never show (the reporter, the
    phone, the e-mail, a dwelling, an internal note, the full description), a public
    resolution note and a public photo."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tickets.factories import make_ticket
    from tickets import services
    from tickets.models import Channel

    community, registry = city.community, city.registry
    ticket = make_ticket(channel=Channel.OPEN311, category=city.lights, title="路灯不亮",
                         description="路灯不亮\n第二行不公开", dwelling=registry.dwelling_a,
                         address="枫丹白鹭1栋501室", reporter_name="李建华",
                         reporter_phone="13800001111",
                         intake={"open311": {"email": "li@example.com"}})
    worker = community.worker_a
    services.ticket_transition(ticket=ticket, actor=worker, action="accept")
    services.ticket_transition(ticket=ticket, actor=worker, action="comment",
                               note="内部备注：住户家中有老人")
    services.ticket_transition(ticket=ticket, actor=worker, action="resolve",
                               note="已更换灯泡")
    services.ticket_photo_add(ticket=ticket, actor=worker, public=True, photo=SimpleUploadedFile(
        "fixed.png", _png(), content_type="image/png"))
    ticket.refresh_from_db()
    return ticket


def _png() -> bytes:
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(data, "PNG")
    return data.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Answers call-backs on a fixed port once started; a port nobody listens on before that
    (connection refused). Records every call-back received with whether its signature held."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/callbacks"
        self.answer = 200
        self.received: list[dict] = []
        self.server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append({
                        "body": json.loads(body), "raw": body,
                        "timestamp": self.headers[TIMESTAMP_HEADER],
                        "signature": self.headers[SIGNATURE_HEADER],
                        "delivery": self.headers[DELIVERY_HEADER],
                        "genuine": verify_signature(receiver.secret, body,
                                                    self.headers[TIMESTAMP_HEADER],
                                                    self.headers[SIGNATURE_HEADER],
                                                    now=timezone.now())})
                self.send_response(receiver.answer)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def steps(self) -> list[str]:
        return [call["body"]["step"] for call in self.received]


@pytest.fixture
def hotline(community, fresh_rate_limits):
    """The city's 12345 hotline: may push work orders in the community, 12345 channel."""
    from tests.tickets.factories import category

    category()  # 设施维修, of the example order (gone after a transactional test's flush)
    client = ApiClient(name="12345 热线", work_orders=True, channel=Channel.HOTLINE,
                       rate="1000/minute")
    client.key = ApiClient.objects.assign_key(client)
    client.save()
    client.jurisdictions.add(community.community)
    return client


@pytest.fixture
def receiver(hotline):
    receiver = Receiver(hotline.callback_secret)
    hotline.callback_url = receiver.url
    hotline.save(update_fields=["callback_url"])
    yield receiver
    receiver.stop()


@pytest.fixture
def eager():
    """Tasks run when queued, in this thread (as a worker would run them)."""
    from gridportal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def act(django_capture_on_commit_callbacks, eager):
    """Take a ticket step as the staff page does, its transaction committing at once: the tasks
    it queues after the commit (its call-back's delivery) run before this returns."""
    from tickets import services

    def run(ticket, actor, action, **params):
        with django_capture_on_commit_callbacks(execute=True):
            return services.ticket_transition(ticket=ticket, actor=actor, action=action,
                                              **params)

    return run
