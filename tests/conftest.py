"""What the whole suite shares: the development provider's fixture, and the redis marker.

grantflow's pytest plugin is opt-in, for this project as for any other: the line below
is how a project asks for the ``oauth_provider`` fixture. Tests that need a real
``redis-server`` are marked ``redis`` by the fixtures they use, so ``scripts/test --fast``
can leave them out with ``-m "not redis"``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["grantflow.testing"]

_REDIS_FIXTURES = frozenset({"redis_server", "own_redis", "redis_cluster", "redis_sentinel"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _REDIS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.redis)
