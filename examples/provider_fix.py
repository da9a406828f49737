"""Use a ready-made provider fix from grantflow.compliance.

The server below (started on 127.0.0.1 by this script) answers its token endpoint as
eBay does, with ``"token_type": "Application Access Token"``. grantflow refuses to send a
token of a type it does not know; ``compliance.ebay`` makes it the bearer token it is.

    python examples/provider_fix.py
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from grantflow import OAuth2Session, UnsupportedTokenTypeError
from grantflow.compliance import ebay

TOKEN = "v^1.1#i^1#p^1#r^0#I^3#f^0#t^H4sIAAAAAAAA"


class EbayLikeProvider(BaseHTTPRequestHandler):
    """A token endpoint with eBay's token type, and an API that takes Bearer tokens."""

    def do_POST(self) -> None:  # the token endpoint
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        token_type = "Application Access Token"
        self._reply(200, {"access_token": TOKEN, "expires_in": 7200, "token_type": token_type})

    def do_GET(self) -> None:  # the API
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            self._reply(200, {"total": 1, "itemSummaries": [{"title": "drone"}]})
        else:
            self._reply(401, {"errors": [{"message": "Invalid access token"}]})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EbayLikeProvider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    search = f"{base}/buy/browse/v1/item_summary/search?q=drone"
    try:
        with OAuth2Session("client", "secret", token_endpoint=f"{base}/token") as plain:
            plain.fetch_token()
            try:
                plain.get(search)
            except UnsupportedTokenTypeError as error:
                print("without the fix:", error)
        with ebay(OAuth2Session("client", "secret", token_endpoint=f"{base}/token")) as session:
            token = session.fetch_token()
            print("with compliance.ebay, token_type:", token["token_type"])
            answer = session.get(search)
            print("API answered", answer.status_code, answer.json())
            return 0 if answer.ok else 1
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    raise SystemExit(main())
