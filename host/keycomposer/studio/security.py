"""Who may talk to the studio: a random token and a Host header allow-list, as Jupyter Server does it.

The server listens on 127.0.0.1 only, but any web page the person visits can still send requests there,
and a DNS-rebinding page can even read the answers. So every request must carry the token (in the
address the command printed, ``?token=...``; after the first page load in a cookie that only this origin
sends; or as ``Authorization: token ...`` for scripts), and its Host header must name the loopback
address the server is bound to. A request that fails either gets 403 and a one-line reason.
"""

from __future__ import annotations

import json
import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

COOKIE = "keycomposer_studio_token"
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def loopback_hosts(port: int) -> frozenset[str]:
    """The Host headers a browser sends for the studio bound to 127.0.0.1:``port``."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def _headers(scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def presented_token(scope) -> tuple[str | None, bool]:
    """The token a request carries and whether it came in the address (then the page gets the cookie)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    headers = _headers(scope)
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("token "):
        return authorization[6:].strip(), False
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except CookieError:  # a malformed Cookie header is the same as none
        return None, False
    morsel = cookie.get(COOKIE)
    return (morsel.value if morsel else None), False


def refusal(scope, token: str, allowed_hosts: frozenset[str]) -> str | None:
    """Why this request is refused, or None when it may go on."""
    headers = _headers(scope)
    host = headers.get("host", "")
    if host not in allowed_hosts:
        return f"Host header {host!r} is not this studio's address (DNS rebinding protection)"
    origin = headers.get("origin")
    if origin is not None and origin.split("://", 1)[-1] not in allowed_hosts:
        return f"requests from {origin!r} are not allowed (only the studio's own page may call it)"
    presented, _ = presented_token(scope)
    if presented is None:
        return "this address needs the studio's token: open the address `keycomposer studio` printed"
    if not secrets.compare_digest(presented.encode(), token.encode()):
        return "wrong token: open the address `keycomposer studio` printed"
    return None


class Guard:
    """ASGI middleware: refuses what ``refusal`` refuses; a page opened with ``?token=`` gets the cookie."""

    def __init__(self, app, token: str, allowed_hosts: frozenset[str]):
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = refusal(scope, self.token, self.allowed_hosts)
        if reason is not None and scope["type"] == "websocket":  # the studio has none; refused all the same
            await send({"type": "websocket.close", "code": 1008})
            return
        if reason is not None:
            body = json.dumps({"error": reason}).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        _, in_address = presented_token(scope)
        if not in_address:
            await self.app(scope, receive, send)
            return
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=list(message.get("headers", [])) + [(b"set-cookie", cookie)])
            await send(message)

        await self.app(scope, receive, send_with_cookie)
