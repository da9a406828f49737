"""What the whole suite shares: the development provider's fixture.

grantflow's pytest plugin is opt-in, for this project as for any other: the line below
is how a project asks for the ``oauth_provider`` fixture.
"""

from __future__ import annotations

pytest_plugins = ["grantflow.testing"]
