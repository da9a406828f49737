"""``python -m grantflow``: the ``grantflow`` command."""

from __future__ import annotations

from ._cli import console_script

if __name__ == "__main__":
    console_script()
