"""The httpx drivers: thin transports over the client's flows (``grantflow.httpx``)."""
