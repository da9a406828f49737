"""An optional dependency that is missing says which extra installs it."""

from __future__ import annotations

import sys

import pytest

from grantflow import RedisTokenStore


def test_redis_token_store_without_redis_py_says_to_install_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes `import redis` fail as if redis-py were not installed.
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.exceptions", None)

    with pytest.raises(ModuleNotFoundError) as raised:
        RedisTokenStore(object(), key="jobs")

    assert "pip install 'grantflow[redis]'" in str(raised.value)
    assert raised.value.name == "redis"
