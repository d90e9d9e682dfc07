"""A hotline client with its key, and a small local receiver of status call-backs that checks
each signature with interop.callbacks.verify_signature, as a hotline's server would."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from interop.callbacks import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from interop.models import ApiClient
from tickets.models import Channel


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
                                                    now=time.time())})
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
