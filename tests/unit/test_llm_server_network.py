"""The server planner's HTTP client: no proxy from the environment, no redirects followed.

Real listeners on 127.0.0.1 stand in for the planner server, a proxy and a "remote" host that a
redirect points at; each counts the connections it accepts. The calls go through
``draft_from_server``, the function the film build runs on its planner thread.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from addon.core.draft import draft_schema, messages
from addon.core.llm_server import PlannerUnavailable, draft_from_server

CHAT = messages("A calm 10 second film about a harbour at dawn.", {"image": [], "video": []})
REMOTE = "http://203.0.113.7:8000/v1/chat/completions"  # TEST-NET-3: never a real host
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class Listener:
    """A TCP listener on loopback that counts connections and answers each with a 200 chat reply."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.first_lines: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            with connection:
                connection.settimeout(2)
                try:
                    self.first_lines.append(connection.recv(65536).split(b"\r\n", 1)[0].decode())
                except OSError:
                    pass
                body = json.dumps({"choices": [{"message": {"content": "{}"}}]}).encode()
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

    def close(self) -> None:
        self.socket.close()


class Redirector(http.server.ThreadingHTTPServer):
    """Answers every request with ``code`` and a Location taken from the request path."""

    def __init__(self, targets: dict[str, str]) -> None:
        targets_ = targets
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                log.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # /<code>/<target name>/v1/chat/completions
                _, code, name = self.path.split("/", 3)[:3]
                self.send_response(int(code))
                self.send_header("Location", targets_[name])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def network(monkeypatch) -> Iterator[dict]:
    proxy, target = Listener(), Listener()
    redirector = Redirector(
        {"loopback": f"http://127.0.0.1:{target.port}/v1/chat/completions", "remote": REMOTE}
    )
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    connected: list[tuple] = []
    real_create_connection = socket.create_connection

    def recording_create_connection(address, *args, **kwargs):  # passes through, only records
        connected.append(tuple(address[:2]))
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording_create_connection)
    try:
        yield {
            "proxy": proxy,
            "target": target,
            "redirector": redirector,
            "connected": connected,
        }
    finally:
        redirector.shutdown()
        redirector.server_close()
        proxy.close()
        target.close()


def test_the_environment_proxy_is_live_for_plain_urllib(network):
    """The control: the same environment sends a plain urlopen through the proxy listener."""
    url = f"http://127.0.0.1:{network['redirector'].port}/302/loopback"
    # A fresh default opener (urlopen's global one reads the environment only once).
    with urllib.request.build_opener().open(urllib.request.Request(url, data=b"{}"), timeout=5) as response:
        assert json.loads(response.read())["choices"]
    assert network["proxy"].accepted == 1
    assert network["proxy"].first_lines == [f"POST {url} HTTP/1.1"]


def test_plain_urllib_follows_a_redirect_to_another_host(network, monkeypatch):
    """The control: without the planner's opener a 302 reaches the redirect target."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name)
    url = f"http://127.0.0.1:{network['redirector'].port}/302/loopback"
    with urllib.request.build_opener().open(urllib.request.Request(url, data=b"{}"), timeout=5):
        pass
    assert network["target"].accepted == 1


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["loopback", "remote"])
def test_the_planner_refuses_a_redirect_and_uses_no_proxy(network, code, where):
    base = f"http://127.0.0.1:{network['redirector'].port}/{code}/{where}"
    target = (
        f"http://127.0.0.1:{network['target'].port}/v1/chat/completions" if where == "loopback" else REMOTE
    )
    with pytest.raises(PlannerUnavailable) as refused:
        draft_from_server(base, "m", CHAT, draft_schema(), online_access=False, timeout=5)
    message = str(refused.value)
    assert f"redirected ({code}) to {target}" in message
    assert "does not follow redirects" in message
    # The planner talked to its server directly, once, and to nobody else.
    assert network["redirector"].requests == [f"/{code}/{where}/v1/chat/completions"]
    assert network["connected"] == [("127.0.0.1", network["redirector"].port)]
    assert network["proxy"].accepted == 0
    assert network["target"].accepted == 0


def test_the_planner_reaches_a_loopback_server_directly_despite_a_proxy(network):
    """With a proxy set, an answering server is still asked directly (and its answer read)."""
    server = Listener()
    try:
        with pytest.raises(PlannerUnavailable, match="not a valid draft"):  # "{}" is no draft
            draft_from_server(
                f"http://127.0.0.1:{server.port}", "m", CHAT, draft_schema(), online_access=False, repairs=0
            )
        assert server.accepted == 1
        assert server.first_lines == ["POST /v1/chat/completions HTTP/1.1"]
        assert network["proxy"].accepted == 0
    finally:
        server.close()
