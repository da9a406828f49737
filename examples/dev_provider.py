"""Client credentials against the embedded development provider (as in README.md).

python examples/dev_provider.py
"""

from __future__ import annotations

from grantflow import OAuth2Session
from grantflow.testing import DevProvider

with DevProvider() as op:
    client = op.clients["client-m2m"]
    session = OAuth2Session(
        client["client_id"], client["client_secret"], server_metadata_url=op.discovery_url
    )
    token = session.fetch_token()
    print("client credentials:", token)
