"""Test TLS material from trustme: a CA, server contexts for loopback names, and an untrusted CA."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

import trustme

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def make_ca() -> trustme.CA:
    """A fresh certificate authority (trust it in a client to accept servers it signed)."""
    return trustme.CA()


def untrusted_ca() -> trustme.CA:
    """Another, independent CA: servers it signs must fail verification against ``make_ca()`` trust."""
    return trustme.CA(organization_name="headroom untrusted test CA")


def server_context(ca: trustme.CA, hosts: Sequence[str] = LOOPBACK_NAMES) -> ssl.SSLContext:
    """A server-side context with a leaf certificate for ``hosts`` signed by ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hosts).configure_cert(context)
    return context


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    """A verifying client context that trusts only ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    return context


def write_ca_pem(ca: trustme.CA, path: Path) -> Path:
    """Write the CA certificate as PEM (for an additive CA bundle setting); returns ``path``."""
    ca.cert_pem.write_to_path(str(path))
    return path
