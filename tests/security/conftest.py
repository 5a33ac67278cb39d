"""The fault suite's servers and stand-ins. Nothing here sends a packet past 127.0.0.1.

- Every server (``HostileServer``) listens on 127.0.0.1 and answers with raw bytes, so
  it can lie, drip, stall or send garbage.
- Names are resolved only by ``StubResolver``, never by the system resolver (which
  could ask a DNS server elsewhere).
- The guarded client is built on ``FakeInternet``, the network backend under the
  guard: it records every connection it is asked for and opens real sockets only to
  127.0.0.1. A "public" address from a stub answer (``PUBLIC``) is routed to a local
  server; any other address is refused without a socket. So a test that uses a public
  address still reaches only loopback, and ``attempts`` shows what the guard let out.

Documentation ranges (203.0.113.0/24 and the like) cannot stand for public
addresses here: the guard refuses them as non-public, by design.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
import pytest

from ingest import make_client

# Public addresses as far as the guard can tell; FakeInternet never lets a socket
# reach them. PUBLIC is routed to the test's server, UNROUTED to nothing.
PUBLIC = "93.184.216.34"
UNROUTED = "93.184.216.35"


# --- DNS ---------------------------------------------------------------------------


class StubResolver:
    """Answers from a table; a name with several answers gives them in turn (the last
    one repeats), which is how a rebinding DNS server behaves. Records every question."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        count = self.asked.count(host)
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, f"stub resolver: no such name {host}")
        answers = self.table[host]
        if answers and isinstance(answers[0], list):
            turns: list[list[str]] = answers  # type: ignore[assignment]
            return list(turns[min(count, len(turns) - 1)])
        return list(answers)  # type: ignore[arg-type]


# --- the network under the guard -----------------------------------------------------


class FakeInternet(httpcore.NetworkBackend):
    """Opens sockets only to 127.0.0.1; records every connection it is asked for."""

    def __init__(self, routes: dict[str, int] | None = None) -> None:
        self.routes = dict(routes or {})
        self.attempts: list[tuple[str, int]] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.attempts.append((host, port))
        if host in self.routes:
            port = self.routes[host]
        elif host != "127.0.0.1":
            raise httpcore.ConnectError(f"fake internet: no route to {host}")
        return self._real.connect_tcp("127.0.0.1", port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("fake internet: no Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# --- a server that says whatever the test wants, byte for byte ------------------------


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names
    sni: str | None = None


Handler = Callable[["Conn"], None]


@dataclass
class Conn:
    """One accepted connection and the request read from it."""

    sock: socket.socket
    request: Seen
    stopping: threading.Event = field(repr=False)

    def send(self, data: bytes) -> bool:
        """False once the client has gone (or the server stops)."""
        if self.stopping.is_set():
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def respond(
        self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        head = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.send(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode("latin-1") + body)

    def drip(self, data: bytes, every_s: float) -> None:
        """One byte at a time, ``every_s`` apart, until done or the client leaves."""
        for i in range(len(data)):
            if not self.send(data[i : i + 1]) or self.stopping.wait(every_s):
                return

    def hold(self, seconds: float) -> None:
        """Say nothing for a while (the client is expected to give up first)."""
        self.stopping.wait(seconds)


class HostileServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with one handler per path prefix."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._tls = tls
        self._routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def route(self, prefix: str, handler: Handler) -> None:
        self._routes[prefix] = handler

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def close(self) -> None:
        self.stopping.set()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        sni: list[str] = []
        try:
            sock.settimeout(5)
            if self._tls is not None:
                self._tls.sni_callback = lambda _obj, name, _ctx: sni.append(name) or None
                sock = self._tls.wrap_socket(sock, server_side=True)
            request = self._read_request(sock, sni[0] if sni else None)
            if request is None:
                return
            self.seen.append(request)
            path = request.path.split("?", 1)[0]
            prefixes = [p for p in self._routes if path.startswith(p)]
            conn = Conn(sock, request, self.stopping)
            if not prefixes:
                conn.respond(404, b"not found")
                return
            self._routes[max(prefixes, key=len)](conn)
        except (OSError, ssl.SSLError) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            sock.close()

    @staticmethod
    def _read_request(sock: socket.socket, sni: str | None) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        line, *fields = head.decode("latin-1").split("\r\n")
        method, path, _ = line.split(" ", 2)
        headers = {}
        for item in fields:
            name, _, value = item.partition(":")
            headers[name.strip().lower()] = value.strip()
        wanted = int(headers.get("content-length", "0") or 0)
        while len(rest) < wanted:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return Seen(method, path, headers, sni)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    s = HostileServer()
    yield s
    s.close()


@pytest.fixture
def internet(server: HostileServer) -> FakeInternet:
    """PUBLIC is the test's server; every other address but 127.0.0.1 goes nowhere."""
    return FakeInternet({PUBLIC: server.port})


ClientFactory = Callable[..., httpx.Client]


@pytest.fixture
def guarded(internet: FakeInternet) -> Iterator[ClientFactory]:
    """Guarded clients on the fake internet; private networks off unless asked for."""
    clients: list[httpx.Client] = []

    def build(resolver: StubResolver | None = None, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("network_backend", internet)
        resolver = resolver or StubResolver({})
        clients.append(make_client(resolver=resolver, **kwargs))
        return clients[-1]

    yield build
    for c in clients:
        c.close()


# --- TLS: a CA and a certificate for one name, made here -------------------------------


@dataclass(frozen=True)
class Certs:
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))

    def server_context(self, tmp: Any) -> ssl.SSLContext:
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        cert.write_bytes(self.cert_pem)
        key.write_bytes(self.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context


def make_certs(name: str) -> Certs:
    """A throwaway CA and a leaf certificate for ``name`` (EC P-256, valid for a day)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, issuer: str, key: Any, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            usage = x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            )  # fmt: skip
            builder = builder.add_extension(usage, critical=True)
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("pledgewatch test CA", "pledgewatch test CA", ca_key, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(name, "pledgewatch test CA", leaf_key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    return Certs(
        ca_pem=ca.public_bytes(pem),
        cert_pem=leaf.public_bytes(pem),
        key_pem=leaf_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
