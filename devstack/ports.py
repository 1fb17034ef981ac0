"""Check, before anything starts, that every port the dev stack needs is free."""

from __future__ import annotations

import errno
import socket
from collections.abc import Mapping


class PortError(RuntimeError):
    """A port cannot be used; the message is one line naming the port and its variable."""


def port_variable(part: str) -> str:
    """The variable that sets the port of `part` (see `services.common.config`)."""
    return f"{part.upper()}_PORT"


def ensure_free(host: str, port: int, name: str, env_var: str) -> None:
    """Raise `PortError` unless a server could listen on `host:port` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the servers do: a connection in TIME_WAIT does not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            problem = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
            raise PortError(f"port {port} for {name} {problem} (set {env_var} to use another)") from None


def ensure_all_free(host: str, ports: Mapping[str, int]) -> None:
    """Check `ports` (part name -> port) are distinct and free on `host`."""
    seen: dict[int, str] = {}
    for part, port in ports.items():
        if port in seen:
            other = seen[port]
            raise PortError(
                f"{port_variable(other)} and {port_variable(part)} are both {port} (give each part its own port)"
            )
        seen[port] = part
        ensure_free(host, port, part, port_variable(part))
