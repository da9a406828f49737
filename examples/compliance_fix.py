"""Fix a provider that bends the spec with compliance hooks.

The provider below (started on 127.0.0.1 by this script) wraps its token response in
{"data": {...}}, leaves out token_type, and wants the access token as an
``oauth2_access_token`` query parameter. Three hooks make grantflow work with it.

    python examples/compliance_fix.py
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from grantflow import OAuth2Session


class QuirkyProvider(BaseHTTPRequestHandler):
    """A token endpoint and an API with the quirks described above."""

    def do_POST(self) -> None:  # the token endpoint
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        grant = form["grant_type"][0]
        token = {"access_token": f"at-{grant}", "expires_in": 3600}
        self._reply(200, {"data": token})

    def do_GET(self) -> None:  # the API
        query = parse_qs(urlsplit(self.path).query)
        if query.get("oauth2_access_token") == ["at-client_credentials"]:
            self._reply(200, {"hello": "world"})
        else:
            self._reply(401, {"error": "invalid_token"})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def unwrap_token(response: requests.Response) -> requests.Response:
    """The token is nested under "data" and has no token_type."""
    data = response.json()
    token = dict(data.get("data", data))
    token.setdefault("token_type", "Bearer")
    response._content = json.dumps(token).encode()
    return response


def token_in_query(url: str, headers: dict[str, str], body: str) -> tuple[str, dict[str, str], str]:
    """Move the token from the Authorization header to the query string."""
    _scheme, _, value = headers.pop("Authorization").partition(" ")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}oauth2_access_token={value}", headers, body


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), QuirkyProvider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with OAuth2Session("client", "secret", token_endpoint=f"{base}/token") as session:
            session.register_compliance_hook("access_token_response", unwrap_token)
            session.register_compliance_hook("refresh_token_response", unwrap_token)
            session.register_compliance_hook("protected_request", token_in_query)
            token = session.fetch_token()
            print("token_type:", token["token_type"], "expires_at:", token["expires_at"])
            answer = session.get(f"{base}/api")
            print("API answered", answer.status_code, answer.json())
            return 0 if answer.ok else 1
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    raise SystemExit(main())
