"""A real HTTP server on 127.0.0.1 that plays the outside world in tests.

Routes map a path (query string ignored) to a script: a list of replies served
in order, the last one repeated once the list runs out, or a handler callable
that gets the request and returns a reply. Every request is recorded with its
arrival time so tests can check pacing.

    with FakeServer() as server:
        server.route("/api/query", Reply(503), Reply(200, body=atom_bytes))
        server.route("/pdf/2404.00001v1", Reply.pdf(pdf_bytes))
        server.route("/slow", lambda request: Reply(200, body=b"x", delay=2))
        client_under_test(server.url("/api/query"))
        assert len(server.requests_to("/api/query")) == 2
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str | None] = field(default_factory=dict)
    # Seconds to wait before sending anything (to trigger client timeouts).
    delay: float = 0.0
    # Send the body in pieces with a pause between them (slow or long streams).
    chunk_size: int | None = None
    chunk_delay: float = 0.0

    @classmethod
    def pdf(cls, body: bytes, **kwargs) -> Reply:
        return cls(200, body, {"Content-Type": "application/pdf"}, **kwargs)

    @classmethod
    def atom(cls, body: bytes, **kwargs) -> Reply:
        return cls(200, body, {"Content-Type": "application/atom+xml; charset=utf-8"}, **kwargs)

    @classmethod
    def html(cls, body: bytes | str, status: int = 200, **kwargs) -> Reply:
        data = body.encode() if isinstance(body, str) else body
        return cls(status, data, {"Content-Type": "text/html; charset=utf-8"}, **kwargs)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request line arrived

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


Handler = Callable[[Request], Reply]


class FakeServer:
    """Threaded HTTP server with scripted replies per path; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._routes: dict[str, list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.requests: list[Request] = []
        self.default: Reply | Handler = Reply(404, b"not found", {"Content-Type": "text/plain"})
        self._httpd = ThreadingHTTPServer((host, 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes handlers sleeping on a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- scripting ---------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(self, path: str, *replies: Reply | Handler) -> None:
        """Serve ``replies`` in order at ``path`` (the last repeats), or one handler callable."""
        if len(replies) == 1 and callable(replies[0]):
            script: list[Reply] | Handler = replies[0]
        else:
            if not replies or not all(isinstance(r, Reply) for r in replies):
                raise TypeError("route() takes Reply objects or a single handler callable")
            script = list(replies)
        with self._lock:
            self._routes[path] = script

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def request_times(self, path: str) -> list[float]:
        return [r.at for r in self.requests_to(path)]

    # -- serving -----------------------------------------------------------
    def _next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._routes.get(request.path, self.default)
            if isinstance(script, list):
                reply = script.pop(0) if len(script) > 1 else script[0]
                return reply
        return script(request) if callable(script) else script

    def _handler_class(self):
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # keep test output quiet
                pass

            def _serve(self):
                arrived = time.monotonic()
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length) if length else b"",
                    at=arrived,
                )
                try:
                    reply = server._next_reply(request)
                except Exception as exc:  # a broken handler should fail the test, not hang it
                    reply = Reply(500, f"handler error: {exc!r}".encode())
                if reply.delay and server._closing.wait(reply.delay):
                    return
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for name, value in headers.items():
                        if value is not None:  # None drops a header, e.g. Content-Length
                            self.send_header(name, value)
                    self.end_headers()
                    if self.command == "HEAD":
                        return
                    if reply.chunk_size:
                        for start in range(0, len(reply.body), reply.chunk_size):
                            self.wfile.write(reply.body[start : start + reply.chunk_size])
                            self.wfile.flush()
                            if reply.chunk_delay and server._closing.wait(reply.chunk_delay):
                                return
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts, byte caps): that is what some tests want

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

        return _Handler


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def arxiv_error_feed(message: str, *, error_id: str = "incorrect_id_format_for_1234.1234v1") -> bytes:
    """The answer export.arxiv.org gives (HTTP 200) to a query it rejects: one "Error" entry."""
    from xml.sax.saxutils import escape

    entry_id = f"http://arxiv.org/api/errors#{error_id}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D%28%20%29%26id_list%3D%26start%3D0%26max_results%3D10" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=( )&amp;id_list=&amp;start=0&amp;max_results=10</title>
  <id>http://arxiv.org/api/Lck5Ne2vKWiszy5yyXjKIrUIzm4</id>
  <updated>2024-05-02T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:itemsPerPage>
  <entry>
    <id>{entry_id}</id>
    <title>Error</title>
    <summary>{escape(message)}</summary>
    <updated>2024-05-02T00:00:00-04:00</updated>
    <link href="{entry_id}" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
""".encode()
