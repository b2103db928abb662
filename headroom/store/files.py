"""The store's files are private: directory 0700 when we create it, database files 0600.

SQLite creates the -wal and -shm files with the mode of the main database file, so creating that file
0600 before SQLite opens it covers all three; files left readable by an older run are narrowed too.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(data_dir: str | os.PathLike[str]) -> Path:
    directory = Path(data_dir)
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)  # mkdir's mode is filtered by the umask
    return directory


def restrict_modes(path: Path) -> None:
    """Make ``path`` (and its -wal/-shm companions) 0600 when they exist and are ours."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = candidate.stat()
        except FileNotFoundError:
            continue
        if info.st_mode & 0o777 != 0o600 and info.st_uid == os.getuid():
            candidate.chmod(0o600)


def create_private(path: Path) -> None:
    """Create the database file 0600 (or narrow an existing one) before SQLite opens it."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    restrict_modes(path)
