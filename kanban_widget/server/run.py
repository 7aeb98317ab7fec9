"""``kanban-widget api``: check the options, open the board, print how to reach it, serve.

Kept apart from the click command (in :mod:`kanban_widget.cli`), which imports this module only
when the command runs, so the CLI works without the ``server`` extra.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Callable, Optional

import uvicorn

from .app import API_PREFIX, create_app
from .auth import check_token, is_loopback, new_token
from .boards import BoardSet
from ..store import Store


class StartError(Exception):
    """The server cannot start as asked (the message says what to change)."""


def serve(*, db: Optional[Path], board: Optional[str], host: str, port: int,
          token: Optional[str], echo: Callable[[str], None] = print) -> None:
    """Serve the board until interrupted (Ctrl-C or SIGTERM).

    ``token`` None makes one and prints it; a host other than loopback needs a given token.
    ``port`` 0 takes a free port. What is printed: the API's URL, the token (or where it came
    from), and on a non-loopback host a warning.
    """
    given = token is not None
    if given:
        try:
            token = check_token(token)
        except ValueError as exc:
            raise StartError(str(exc)) from None
    loopback = is_loopback(host)
    if not loopback and not given:
        raise StartError(
            f"--host {host} lets other machines reach the board: give the token yourself "
            "(--token or $KANBAN_TOKEN, 16 characters or more) and put TLS in front (a reverse "
            "proxy), or keep the default 127.0.0.1 and reach it through `ssh -L`")
    token = token or new_token()
    path = Store.resolve_path(db, board=board)
    if not path.exists():
        raise StartError(f"there is no board at {path}; create one with `kanban-widget init`")
    boards = BoardSet(path if db is not None else None, slug=board)
    listener = _bind(host, port)
    bound_port = listener.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    echo(f"Serving {boards.default_path} at http://{shown_host}:{bound_port}{API_PREFIX}/")
    if given:
        echo("Token: the one given (--token or $KANBAN_TOKEN)")
    else:
        echo(f"Token: {token}")
    echo("Send it as 'Authorization: Bearer <token>', or ?token=<token> on a WebSocket.")
    if not loopback:
        echo(f"WARNING: listening on {host}, reachable from other machines over plain HTTP: "
             "put a TLS terminator in front, or bind 127.0.0.1 and use an SSH tunnel.")
    app = create_app(boards, token=token)
    # Clients send nothing on the sockets but pings: 64 KiB is plenty for a message.
    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on",
                            ws_max_size=65_536)
    uvicorn.Server(config).run(sockets=[listener])


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or StartError naming the problem."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartError(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartError(f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port "
                         "(0 takes a free one)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
