"""Serve a recorded arXiv answer and its PDFs on 127.0.0.1 for an offline ingest.

``ingest --source FILE.xml`` points the real arXiv client and the real
downloader at this server, so a recorded day goes through exactly the
production code path past the network boundary:

- ``/api/query`` answers with FILE.xml, paged by ``start``/``max_results``;
- ``/pdf/<id>v<N>`` answers with ``<FILE's folder>/pdfs/<id>v<N>.pdf``.

Links to arxiv.org PDFs in the XML are rewritten to this server (entries
without one get one); abstract links are left canonical.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

logger = logging.getLogger("paperdigest.replay")

API_PATH = "/api/query"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_ARXIV_PDF = re.compile(r"^https?://(export\.)?arxiv\.org/pdf/")
_ABS_ID = re.compile(r"/abs/(?P<id>.+)$")


class ReplayServer:
    def __init__(self, source: Path):
        self.source = Path(source)
        if not self.source.is_file():
            raise FileNotFoundError(f"Recorded arXiv answer not found: {self.source}")
        self.pdf_dir = self.source.parent / "pdfs"
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._entries, self._feed_head = self._load()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PATH

    def start(self) -> ReplayServer:
        self._thread.start()
        logger.info("Replaying %s at %s", self.source, self.api_url)
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _load(self) -> tuple[list[bytes], etree._Element]:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.parse(str(self.source), parser).getroot()
        entries = []
        for entry in root.findall("atom:entry", NS):
            root.remove(entry)
            entries.append(entry)
        return [etree.tostring(e) for e in entries], root

    def page(self, start: int, size: int) -> bytes:
        """Return the recorded answer's entries [start, start+size) as one Atom page."""
        root = etree.fromstring(etree.tostring(self._feed_head))
        chosen = self._entries[start : start + size]
        for path, value in (
            ("opensearch:totalResults", len(self._entries)),
            ("opensearch:startIndex", start),
            ("opensearch:itemsPerPage", len(chosen)),
        ):
            node = root.find(path, NS)
            if node is not None:
                node.text = str(value)
        for raw in chosen:
            entry = etree.fromstring(raw)
            self._rewrite_pdf_link(entry)
            root.append(entry)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _rewrite_pdf_link(self, entry: etree._Element) -> None:
        local = self.base_url + "/pdf/"
        links = [link for link in entry.findall("atom:link", NS) if link.get("title") == "pdf"]
        for link in links:
            link.set("href", _ARXIV_PDF.sub(local, link.get("href", "")))
        if not links:
            entry_id = entry.findtext("atom:id", default="", namespaces=NS)
            match = _ABS_ID.search(entry_id)
            if match:
                link = etree.SubElement(entry, f"{{{NS['atom']}}}link")
                link.set("title", "pdf")
                link.set("href", local + match["id"])
                link.set("rel", "related")
                link.set("type", "application/pdf")

    def pdf_path(self, versioned_id: str) -> Path | None:
        name = versioned_id.replace("/", "_") + ".pdf"
        path = (self.pdf_dir / name).resolve()
        if path.parent != self.pdf_dir.resolve() or not path.is_file():
            return None
        return path

    def _handler_class(self):
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                logger.debug("replay: " + format, *args)

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == API_PATH:
                    query = parse_qs(parts.query)
                    start = int(query.get("start", ["0"])[0])
                    size = int(query.get("max_results", ["100"])[0])
                    self._send(200, "application/atom+xml; charset=utf-8", server.page(start, size))
                    return
                if parts.path.startswith("/pdf/"):
                    path = server.pdf_path(unquote(parts.path[len("/pdf/") :]))
                    if path is not None:
                        self._send(200, "application/pdf", path.read_bytes())
                        return
                self._send(404, "text/plain", b"not in the recording")

            def _send(self, status: int, content_type: str, body: bytes):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return _Handler


@contextmanager
def replay_serve(source: Path):
    """Run a ReplayServer for the duration of the block."""
    server = ReplayServer(source).start()
    try:
        yield server
    finally:
        server.close()
