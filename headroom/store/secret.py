"""A per-install secret for keyed credential fingerprints (never the credential itself)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from headroom.errors import StoreError

SECRET_FILE = "fingerprint.key"
SECRET_BYTES = 32


def load_or_create_secret(data_dir: str | os.PathLike[str]) -> bytes:
    """Read ``data_dir/fingerprint.key`` or create it (0600, atomically; racing processes agree)."""
    path = Path(data_dir) / SECRET_FILE
    try:
        data = path.read_bytes()
        if len(data) == SECRET_BYTES:
            return data
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # first writer wins; a loser reads the winner's secret
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}") from exc
    if len(data) != SECRET_BYTES:
        raise StoreError(f"{path} is corrupt (expected {SECRET_BYTES} bytes)")
    return data
