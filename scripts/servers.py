"""Real servers on loopback for the tests and benchmarks: Chroma, PostgreSQL and Redis.

They are the established servers a multi-host deployment uses (``chroma run`` from the
installed ``chromadb``; PostgreSQL and Redis from Debian's packages, installed by
``make test``), started as child processes on a free loopback port with their data in a
folder the caller owns, and always stopped: on leaving the ``with`` block, on an exception,
and (through ``parent_death_signal``) when the process that started them dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts.child_processes import free_port, parent_death_signal

STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0
PORT_ATTEMPTS = 3  # a free port can be taken between finding it and the server binding it


class ServerError(RuntimeError):
    """A server could not be started; the message ends with the tail of its log."""


class LoopbackServer:
    """A child-process server on ``127.0.0.1:<free port>``: start, wait until ready, stop."""

    name = "server"
    cwd: Path | None = None  # the working folder of the server process (None: ours)

    def __init__(self, data_dir: Path, log_path: Path, *, ready_seconds: float = STARTUP_SECONDS,
                 stop_seconds: float = STOP_SECONDS) -> None:
        self.data_dir, self.log_path = Path(data_dir), Path(log_path)
        self.ready_seconds, self.stop_seconds = ready_seconds, stop_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Work before the first start (e.g. create the data folder)."""

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def __enter__(self) -> LoopbackServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.prepare()
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    self.command(), cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=parent_death_signal(), env=self.environment())
            try:
                if self._wait_until_ready():
                    return self
            except BaseException:
                self.stop()
                raise
            self.stop()
        raise ServerError(f"{self.name} could not bind a free port:\n{self.log_tail()}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_ready(self) -> bool:
        """True once ready; False when the port was taken (try another); raises otherwise."""
        assert self.process is not None
        deadline = time.monotonic() + self.ready_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "in use" in self.log_tail().lower():
                    return False
                raise ServerError(f"{self.name} exited with {self.process.returncode}:\n"
                                  f"{self.log_tail()}")
            if self.is_ready():
                return True
            time.sleep(0.2)
        raise ServerError(f"{self.name} not ready within {self.ready_seconds:.0f} s:\n"
                          f"{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (a graceful stop), a bounded wait, then SIGKILL to the server's own
        process group (its session: the server and its children only; not reaped yet, so
        still ours to kill)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- Chroma ---------------------------------------------------------------------------------


def chroma_command() -> str | None:
    """The ``chroma`` command of the running environment, or None when it is missing."""
    beside_python = Path(sys.executable).with_name("chroma")
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")


class ChromaServer(LoopbackServer):
    """``chroma run --path DIR --host 127.0.0.1 --port N`` with telemetry off."""

    name = "chroma run"

    def command(self) -> list[str]:
        command = chroma_command()
        if command is None:
            raise ServerError("the chroma command (chromadb's server) is not installed")
        return [command, "run", "--path", str(self.data_dir), "--host", "127.0.0.1",
                "--port", str(self.port)]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "ANONYMIZED_TELEMETRY": "False"}

    def is_ready(self) -> bool:
        url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


# --- PostgreSQL -----------------------------------------------------------------------------

POSTGRES_USER = "safeguide"
POSTGRES_DATABASE = "safeguide"


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's ``bin`` folder (Debian layout), or None."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                      key=lambda path: int(path.parent.parent.name)
                      if path.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


class PostgresServer(LoopbackServer):
    """A throwaway PostgreSQL cluster: ``initdb`` into a fresh folder, ``postgres`` on loopback.

    PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the
    ``postgres`` system user that Debian's package creates; its folder is made under the
    system temporary folder (which that user can reach, unlike pytest's private ones) and
    removed on stop. Trust authentication on loopback only: the cluster holds test data and
    lives as long as the run that started it.
    """

    name = "postgres"

    def __init__(self, log_path: Path) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise ServerError("PostgreSQL is not installed (Debian package postgresql; "
                              "`make test` installs it)")
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="safeguide-postgres-"))
        super().__init__(self.root / "data", log_path)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database (psycopg 3 driver)."""
        return (f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/"
                f"{POSTGRES_DATABASE}")

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def prepare(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        with self.log_path.open("ab") as log:
            subprocess.run(self._as_owner([
                str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", POSTGRES_USER,
                "--auth=trust", "--encoding=UTF8", "--no-instructions"]),
                check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def command(self) -> list[str]:
        return self._as_owner([
            str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-h", "127.0.0.1",
            "-p", str(self.port), "-k", str(self.root), "-c", "fsync=off"])

    def is_ready(self) -> bool:
        probe = subprocess.run(
            [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", POSTGRES_USER], stdin=subprocess.DEVNULL, capture_output=True)
        return probe.returncode == 0

    def __enter__(self) -> PostgresServer:
        super().__enter__()
        created = subprocess.run(
            [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", POSTGRES_USER, POSTGRES_DATABASE],
            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if created.returncode != 0:
            self.stop()
            raise ServerError(f"createdb failed: {created.stderr.strip()}")
        return self

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- Redis ----------------------------------------------------------------------------------


class RedisServer(LoopbackServer):
    """``redis-server`` (Debian's package) on loopback, in memory only: the shared store of
    rate-limit counters when several hosts serve the app."""

    name = "redis-server"

    def __init__(self, log_path: Path) -> None:
        command = shutil.which("redis-server")
        if command is None:
            raise ServerError("redis-server is not installed (Debian package redis-server; "
                              "`make test` installs it)")
        self.executable = command
        super().__init__(Path(tempfile.mkdtemp(prefix="safeguide-redis-")), log_path)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [self.executable, "--bind", "127.0.0.1", "--port", str(self.port),
                "--save", "", "--appendonly", "no", "--dir", str(self.data_dir)]

    def is_ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
