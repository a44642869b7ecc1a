"""Is an online service reachable? One short TCP connect, no data sent; the online backends ask first."""

from __future__ import annotations

import socket


def reachable(host: tuple[str, int], timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False
