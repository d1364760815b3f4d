"""The explorer's HTTP server: the standard library's ThreadingHTTPServer, the page, the JSON API.

Only three files and the API can be reached: the page, its script and its style sheet ship in
the package (`static/`) and are read once at start; no part of a request is ever used as a path.
Bound to a loopback address, the server also refuses requests whose Host header names another
host, so a web page elsewhere cannot reach it through DNS rebinding. Every error, including
http.server's own (a malformed request line, an unsupported method), is JSON, never a page.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from wordlab.serve.api import MAX_BODY, Api, ApiError, to_json

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
# the page may load nothing but this server's own files
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (or `localhost`): reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    """The host part of a Host header: `[::1]:8765` -> `::1`, `localhost:8765` -> `localhost`."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def static_files() -> dict[str, tuple[bytes, str]]:
    """URL path -> (content, type) of the page's files, read from the package once."""
    folder = resources.files("wordlab.serve").joinpath("static")
    return {
        url: (folder.joinpath(name).read_bytes(), kind) for url, (name, kind) in _STATIC.items()
    }


class ExplorerHandler(BaseHTTPRequestHandler):
    """One request: a static file or an API answer; errors as one-line JSON."""

    server: ExplorerServer
    protocol_version = "HTTP/1.1"  # keep-alive: a script's many queries reuse one connection
    timeout = 60  # seconds an idle or slow connection may hold a thread
    # headers and body leave in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (40 ms on Linux) on every keep-alive request
    disable_nagle_algorithm = True
    server_version = "wordlab-serve"

    def version_string(self) -> str:
        """The Server header: no Python version for the curious."""
        return self.server_version

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Serve a file or answer a GET API request."""
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        """Answer a POST API request (/api/project)."""
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        try:
            url = urlsplit(self.path)
            self._check_host()
            if url.path.startswith("/api/"):
                body = self._read_body() if method == "POST" else b""
                payload = self.server.api.handle(method, url.path, url.query, body)
                self._send(200, to_json(payload), "application/json; charset=utf-8")
            else:
                self._static(method, url.path)
        except ApiError as exc:
            self._error(exc.status, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug: one line in the log and for the client, no traceback
            self.log_error("internal error %s: %s", type(exc).__name__, exc)
            self._error(500, f"internal error {type(exc).__name__}: {exc}")

    def _check_host(self) -> None:
        if not self.server.check_host:
            return
        host = self.headers.get("Host")
        if host is not None and _host_name(host.strip()).lower() not in self.server.host_names:
            raise ApiError("this server answers only requests addressed to localhost")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise ApiError("chunked request bodies are not accepted; send Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            raise ApiError("missing Content-Length")
        try:
            n = int(length)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            raise ApiError(f"request body must be 0 to {MAX_BODY} bytes (Content-Length {length})")
        return self.rfile.read(n)

    def _static(self, method: str, path: str) -> None:
        if path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
            return
        found = self.server.files.get(path)
        if found is None:
            raise ApiError(f"not found: {path[:100]}", status=404)
        if method != "GET":
            raise ApiError(f"{path} takes GET only", status=405)
        self._send(200, *found)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", _CSP)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, to_json({"error": message, "status": status}),
                   "application/json; charset=utf-8")  # fmt: skip

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unsupported method) as JSON, not HTML."""
        self.close_connection = True
        reason = message or self.responses.get(code, ("error",))[0]
        with contextlib.suppress(OSError):  # the client is gone: nothing to tell
            self._error(code, reason)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """One line per request on stderr, unless the server is quiet."""
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class ExplorerServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the API and the page; IPv6 when the host is an IPv6 address."""

    daemon_threads = True  # a stuck client never keeps the process from exiting
    block_on_close = False

    def __init__(self, host: str, port: int, api: Api | None, quiet: bool = True) -> None:
        """Bind now (a port in use fails before any model is loaded); `api` may be set later."""
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.api = api
        self.files = static_files()
        self.quiet = quiet
        self.check_host = is_loopback(host)
        self.host_names = _LOCAL_NAMES | {host.strip("[]").lower()}
        super().__init__((host.strip("[]"), port), ExplorerHandler)

    @property
    def url(self) -> str:
        """The page's address."""
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"
