"""The offline demo: a real HTTP server on 127.0.0.1 serving a topic's demo/ folder.

Files may contain the placeholder {{base_url}}, replaced by the server's own
address when served, so the feed's links point back at this server whatever
port it got.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{base_url}}"


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    root = root.resolve()

    class DemoHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path).lstrip("/")
            target = (root / path).resolve()
            # Serve only files inside the demo folder.
            if not target.is_relative_to(root) or not target.is_file():
                self.send_error(404)
                return
            body = target.read_bytes().replace(PLACEHOLDER, self.server.base_url.encode())  # type: ignore[attr-defined]
            ctype = "application/rss+xml" if target.suffix == ".xml" else None
            ctype = ctype or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo prints its own summary

    return DemoHandler


@contextmanager
def serve_folder(root: Path, port: int = 0) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at ``port`` (or any free port when that one is
    taken or 0); yields the base URL."""
    if not root.is_dir():
        raise FileNotFoundError(f"demo folder {root} does not exist")
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(root))
    except OSError:
        if port == 0:
            raise
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root))  # port taken: any port
    host, bound = server.server_address[:2]
    base_url = f"http://{host!s}:{bound}"
    server.base_url = base_url  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
