"""Lookups and queue pages are rate-limited per client, with a friendly page in the visitor's language."""
import pytest


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOOKUP": "2 per minute"}


@pytest.mark.parametrize("path, query", [
    ("/queue/lookup", {"q": "GM-2026-000001"}), ("/queue", {}), ("/queue.csv", {}),
])
def test_too_many_lookups_get_a_translated_429_with_retry_after(client, site, path, query):
    for _ in range(2):
        assert client.get(path, query_string=query).status_code != 429
    response = client.get(path, query_string=dict(query, lang="kk"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert '<html lang="kk">' in body and "429" in body


def test_the_registry_is_not_limited_like_lookups(client, site):
    assert all(client.get("/kindergartens").status_code == 200 for _ in range(4))
