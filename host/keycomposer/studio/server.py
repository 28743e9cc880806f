"""Serving the studio: a loopback socket, the address with its token, uvicorn, and the browser opened there.

The socket is bound before uvicorn starts, so the port (chosen by the system unless given) is known for the
Host allow-list and the printed address, with no window in which another program could take it.
"""

from __future__ import annotations

import socket
import threading
import webbrowser

import uvicorn

from keycomposer.studio.api import Studio
from keycomposer.studio.app import create_app
from keycomposer.studio.security import loopback_hosts, new_token

HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: any free port). OSError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def serve(studio: Studio, port: int = 0, open_browser: bool = True, announce=print) -> None:
    """Serve until Ctrl-C (uvicorn stops cleanly on SIGINT/SIGTERM: requests finish, the keyboard closes)."""
    sock = bind(port)
    port = sock.getsockname()[1]
    token = new_token()
    app = create_app(studio, token, loopback_hosts(port))
    address = f"http://{HOST}:{port}/?token={token}"
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)

    def when_started() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            announce(f"keycomposer studio: {address}\n(Ctrl-C stops it)")
            if open_browser:
                webbrowser.open(address)

    threading.Thread(target=when_started, name="studio-announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it has already handled: requests finished, the keyboard closed
    finally:
        sock.close()
