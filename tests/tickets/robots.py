"""A WeCom group robot (企业微信群机器人) on loopback: a real HTTP server that records what it is
sent. `hang_first` makes it leave its first message unanswered until released (a worker killed
while it waits)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class GroupRobot(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, hang_first: bool = False):
        self.hang_first = hang_first
        self.received: list[dict] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _RobotHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/webhook/send?key=test"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.shutdown()
        self.server_close()


class _RobotHandler(BaseHTTPRequestHandler):
    server: GroupRobot

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(json.loads(body))
        if self.server.hang_first and len(self.server.received) == 1:
            self.server.first_arrived.set()
            self.server.release.wait(60)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

    def log_message(self, *args):
        return
