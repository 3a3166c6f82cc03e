"""``make run``'s first step: is 127.0.0.1:PORT free for the development server?

    python scripts/check_port.py 8000

Exit 0 when it is; else 1 with a message that names the port and a free one to use
instead, before anything is migrated or loaded. Standard library only: it runs before
the venv exists.
"""

from __future__ import annotations  # any python3 may run this, even one too old for the app

import errno
import socket
import sys

HOST = "127.0.0.1"


def bind(port: int) -> OSError | None:
    """None if a server could listen on ``port`` now, else why not."""
    with socket.socket() as probe:
        # As runserver does: a stopped server's connections in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            return exc
    return None


def free_port_after(port: int) -> int | None:
    return next((p for p in range(port + 1, min(port + 50, 65536)) if bind(p) is None), None)


def main(argv: list[str]) -> int:
    value = argv[1] if len(argv) > 1 else ""
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        print(f"make run: PORT={value!r} is not a port number (1–65535); e.g. make run PORT=8001",
              file=sys.stderr)  # fmt: skip
        return 1
    port = int(value)
    problem = bind(port)
    if problem is None:
        return 0
    hint = "Choose another port"
    if problem.errno == errno.EADDRINUSE:
        why = f"port {port} on {HOST} is already in use (another `make run`, or another server)"
        hint = "Stop what uses it, or choose another port"
    elif problem.errno == errno.EACCES:
        why = f"port {port} needs root privileges"
    else:
        why = f"cannot listen on {HOST}:{port} ({problem.strerror})"
    other = free_port_after(port if port >= 1024 else 7999) or 8001
    print(f"make run: {why}.\n{hint}:  make run PORT={other}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
