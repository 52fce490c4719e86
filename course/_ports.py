"""Free TCP ports on the loopback interface, for servers the course starts."""

import socket


def free_port():
    """Return a port on 127.0.0.1 that is free now (the caller retries if it is taken later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
