"""The test PKI's files, shared by the HTTPS fixtures (conftest) and the tests using them.

Kept out of conftest.py: a test module importing ``conftest`` gets whichever folder's
conftest comes first on the path.
"""

from __future__ import annotations

from dataclasses import dataclass

import trustme

__all__ = ["TLSFiles"]


@dataclass(frozen=True)
class TLSFiles:
    """PEM files of a test PKI: the CA, and a client certificate it issued."""

    ca: trustme.CA
    ca_file: str
    client_cert: str
    client_key: str
    other_ca_file: str
    rogue_cert: str
    rogue_key: str

    @property
    def client_pair(self) -> tuple[str, str]:
        return self.client_cert, self.client_key

    @property
    def rogue_pair(self) -> tuple[str, str]:
        return self.rogue_cert, self.rogue_key
