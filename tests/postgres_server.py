"""A private, throw-away PostgreSQL server for the tests (Debian's `postgresql` package).

On a laptop without PostgreSQL the tests that need it skip; with CI=true they fail instead,
because .ci/run installs the package and a skipped warehouse test would hide a broken install.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package creates the `postgres` user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_url() -> Iterator[str]:
    binaries = _binaries()
    if binaries is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must install them in .ci/run")
        pytest.skip(message)
    data_root = Path(tempfile.mkdtemp(prefix="balanced-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data_root, "postgres", "postgres")
    data_dir = data_root / "data"
    port = _free_port()
    subprocess.run(
        _as_server_user([str(binaries / "initdb"), "-D", str(data_dir), "-U", "balanced", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, capture_output=True,
    )
    subprocess.run(
        _as_server_user([
            str(binaries / "pg_ctl"), "-D", str(data_dir), "-l", str(data_root / "server.log"), "-w", "start",
            "-o", f"-h 127.0.0.1 -p {port} -k {data_root} -F",
        ]),
        check=True, capture_output=True,
    )
    try:
        subprocess.run(
            _as_server_user([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "balanced", "balanced"]),
            check=True, capture_output=True,
        )
        yield f"postgresql+psycopg://balanced@127.0.0.1:{port}/balanced"
    finally:
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "stop"]), capture_output=True)
        time.sleep(0.1)
        shutil.rmtree(data_root, ignore_errors=True)
