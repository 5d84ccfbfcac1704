"""TLS for the proxy on loopback: a given certificate, or a self-signed one generated here.

Legacy clients build their endpoint as ``"https://" + api + "/api/v1/json"`` from discovery, so a
proxy they discover must speak https. :func:`self_signed` writes (or reuses) a certificate for
``localhost``, ``127.0.0.1`` and ``::1`` and its private key, both with mode 0600, in a directory
the user names or in a per-user state directory (:func:`default_directory`); a client trusts the
proxy by trusting that certificate file (``verify=`` in requests, ``CURLOPT_CAINFO`` in PHP,
``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE``, ...). :func:`server_context` loads a pair into an
:class:`ssl.SSLContext` for :mod:`nutshell_core.loopback`.

Every failure (a missing file, a key that does not match, a directory that cannot be written)
is a :class:`~nutshell_core.errors.ConfigurationError` naming the file, never a traceback.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import sys
from pathlib import Path
from typing import Final

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nutshell_core.errors import ConfigurationError

__all__ = [
    "CERT_NAME",
    "KEY_NAME",
    "TlsFiles",
    "default_directory",
    "self_signed",
    "server_context",
]

CERT_NAME: Final = "proxy-cert.pem"
KEY_NAME: Final = "proxy-key.pem"

#: How long a generated certificate is valid. Short enough that a forgotten file ages out,
#: long enough that a client trusting it is not re-configured every week.
VALID_DAYS: Final = 365
#: A certificate closer than this to its end is replaced rather than reused.
RENEW_BEFORE: Final = datetime.timedelta(days=7)

_DNS_NAMES: Final = ("localhost",)
_IP_ADDRESSES: Final = ("127.0.0.1", "::1")


@attrs.frozen
class TlsFiles:
    """A certificate and its key on disk; ``generated`` says whether this run wrote them."""

    cert: Path
    key: Path
    generated: bool = False


def default_directory() -> Path:
    """The per-user directory generated certificates go to.

    ``%LOCALAPPDATA%\\nutshell-migrate\\tls`` on Windows, else ``$XDG_STATE_HOME`` (by default
    ``~/.local/state``) ``/nutshell-migrate/tls``.
    """
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif os.environ.get("XDG_STATE_HOME"):
        base = Path(os.environ["XDG_STATE_HOME"])
    else:
        base = Path.home() / ".local" / "state"
    return base / "nutshell-migrate" / "tls"


def server_context(cert: str | os.PathLike[str], key: str | os.PathLike[str]) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 or later) serving ``cert`` with ``key``."""
    for what, path in (("certificate", cert), ("key", key)):
        if not Path(path).is_file():
            raise ConfigurationError(f"TLS {what} file not found: {os.fspath(path)}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot use TLS certificate {os.fspath(cert)} with key {os.fspath(key)}: "
            f"{getattr(exc, 'reason', None) or exc}"
        ) from None
    return context


def _reusable(cert_path: Path, key_path: Path, now: datetime.datetime) -> bool:
    """True when the files hold a certificate for our names, valid for a while, and its key."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    covered = set(names.get_values_for_type(x509.DNSName)) >= set(_DNS_NAMES) and {
        str(ip) for ip in names.get_values_for_type(x509.IPAddress)
    } >= set(_IP_ADDRESSES)
    fresh = cert.not_valid_before_utc <= now < cert.not_valid_after_utc - RENEW_BEFORE
    matches = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return covered and fresh and matches


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start (no window where another user could read the key), and
    # chmod-ed again in case the file existed with wider permissions. A symlink planted in a
    # shared --tls-dir is refused rather than followed to wherever it points.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def _generate(now: datetime.datetime) -> tuple[bytes, bytes]:
    """A PEM certificate and PEM key: self-signed, P-256, for localhost and loopback IPs."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "nutshell-migrate proxy (localhost)")]
    )
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in _DNS_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in _IP_ADDRESSES]
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # tolerate a little clock skew
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def self_signed(directory: str | os.PathLike[str] | None = None) -> TlsFiles:
    """The proxy's self-signed certificate and key in ``directory`` (default: per-user).

    A pair already there is reused while it is valid for at least :data:`RENEW_BEFORE` more and
    covers localhost and the loopback addresses, so a client configured to trust it keeps
    trusting it across restarts; otherwise a new pair is written (``generated=True``).
    """
    where = Path(directory) if directory is not None else default_directory()
    cert_path, key_path = where / CERT_NAME, where / KEY_NAME
    now = datetime.datetime.now(datetime.timezone.utc)
    if _reusable(cert_path, key_path, now):
        return TlsFiles(cert_path, key_path, generated=False)
    cert_pem, key_pem = _generate(now)
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The key first: a certificate on disk without its key would be reused by nobody.
        _write_private(key_path, key_pem)
        _write_private(cert_path, cert_pem)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the TLS certificate to {where}: {exc.strerror or exc}"
        ) from None
    return TlsFiles(cert_path, key_path, generated=True)
