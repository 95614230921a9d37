"""Several hosts share one rate-limit store: a real Redis server on loopback.

Two apps built separately stand for two gunicorn hosts behind a load balancer: each has its
own process memory, so with the default ``memory://`` store an officer gets the limit once
per host; with ``ratelimit_storage_uri = redis://...`` the hosts count together. The web
tier keeps nothing else per user in memory (sessions are signed cookies, users and audit in
the database), which is what lets a load balancer send any request to any host.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from web_support import app_for, client_as

from scripts.servers import RedisServer, ServerError

pytest_plugins = ["web_fixtures"]

QUESTION = "When must a referral be made to children's social care?"
LIMIT = "3 per minute"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log")
    except ServerError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc} (CI must run the shared-store test)")
        pytest.skip(str(exc))
    with server:
        yield server.url


def _two_hosts(small_settings: dict[str, Any], database_url: str,
               storage_uri: str) -> list[Any]:
    return [client_as(app_for(small_settings, database_url=database_url,
                              rate_limit_user=LIMIT, ratelimit_storage_uri=storage_uri),
                      "officer") for _ in range(2)]


def _statuses(host_a: Any, host_b: Any) -> list[int]:
    """Two questions on host A, then three on host B, by the same officer."""
    return [host.post("/api/ask", json={"question": QUESTION}).status_code
            for host in (host_a, host_a, host_b, host_b, host_b)]


def test_hosts_sharing_redis_count_one_officer_together(
        small_settings: dict[str, Any], database_url: str, redis_url: str) -> None:
    host_a, host_b = _two_hosts(small_settings, database_url, f"{redis_url}/0")
    assert _statuses(host_a, host_b) == [200, 200, 200, 429, 429]


def test_hosts_with_memory_stores_count_apart(small_settings: dict[str, Any],
                                              database_url: str) -> None:
    """Why the setting exists: in process memory each host allows the officer the limit."""
    host_a, host_b = _two_hosts(small_settings, database_url, "memory://")
    assert _statuses(host_a, host_b) == [200, 200, 200, 200, 200]
