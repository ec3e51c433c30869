"""TAK over TLS, as TAK servers run it: the node's listener asks every device for a certificate
signed by the theater's CA; a device without one is turned away and the listener goes on serving."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.tak.queries import TakQueries
from jprcc.tak.service import TakService
from tests.conftest import fast_settings
from tests.test_tak_hostile import position
from tests.test_tak_interop import eventually

STAFF = Actor("controller", Role.JPRCC_CONTROLLER)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    signer: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer is not None else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None and subject == "localhost":
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(_loopback())]),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


def _loopback():  # type: ignore[no-untyped-def]
    import ipaddress

    return ipaddress.ip_address("127.0.0.1")


def _write(
    folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    crt, pem = folder / f"{name}.crt", folder / f"{name}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return crt, pem


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[Node, int, Path]]:
    ca_key = _key()
    ca = _cert("CORAL SHIELD TAK CA", ca_key, None, ca_key)
    ca_crt, _ = _write(tmp_path, "ca", ca, ca_key)
    server_key = _key()
    server_crt, server_pem = _write(
        tmp_path, "server", _cert("localhost", server_key, ca, ca_key), server_key
    )
    device_key = _key()
    _write(tmp_path, "device", _cert("ANDROID-TLS", device_key, ca, ca_key), device_key)
    settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path).model_copy(
        update={
            "tak_listen": "tls://127.0.0.1:0",
            "tak_cert_file": server_crt,
            "tak_key_file": server_pem,
            "tak_ca_file": ca_crt,
            "tak_flush_s": 0.1,
        }
    )
    node = bootstrap(settings, migrate=True)
    node.start_runners()
    yield node, node.service(TakService).gateway.bound["tls://127.0.0.1:0"][1], tmp_path
    node.close()


def _client(folder: Path, with_certificate: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    if with_certificate:
        context.load_cert_chain(str(folder / "device.crt"), str(folder / "device.key"))
    return context


def test_a_device_with_the_theaters_certificate_reports_over_tls(tls: tuple[Node, int, Path]) -> None:
    node, port, folder = tls
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        _client(folder, with_certificate=True).wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        sock.sendall(position("ANDROID-TLS", 40.05, 9.25))
        device = eventually(lambda: node.service(TakQueries).device(STAFF, "ANDROID-TLS"), what="heard")
    assert device.position is not None  # type: ignore[union-attr]


def test_a_device_without_a_certificate_is_turned_away_and_the_listener_goes_on(
    tls: tuple[Node, int, Path],
) -> None:
    node, port, folder = tls
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        stranger = _client(folder, with_certificate=False).wrap_socket(raw, server_hostname="localhost")
        try:  # TLS 1.3: the refusal arrives with the first read, as an alert or the end of the stream
            stranger.sendall(position("ANDROID-STRANGER"))
            answer = stranger.recv(1)
        except (ssl.SSLError, OSError):
            answer = b""
        finally:
            stranger.close()
        assert answer == b""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        _client(folder, with_certificate=True).wrap_socket(raw, server_hostname="localhost") as sock,
    ):
        sock.sendall(position("ANDROID-TLS"))
        eventually(
            lambda: node.service(TakQueries).device(STAFF, "ANDROID-TLS"), what="the good device heard"
        )
    assert node.service(TakQueries).device(STAFF, "ANDROID-STRANGER") is None
