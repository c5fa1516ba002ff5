"""``/healthz`` (DESIGN §9): the database, and Redis when it is configured; 503 when one is down."""
import pytest

from webapp import create_app

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LIVE_REDIS = "redis://127.0.0.1:6379/15"


def test_healthy_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "disabled"}


class TestRedisDown:
    @pytest.fixture
    def app_overrides(self):
        return {"REDIS_URL": CLOSED_PORT_REDIS}

    def test_is_503(self, client):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "db": "ok", "redis": "down"}


class TestRedisUp:
    @pytest.fixture
    def app_overrides(self):
        return {"REDIS_URL": LIVE_REDIS}

    def test_is_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "db": "ok", "redis": "ok"}


def test_database_down_is_503():
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:1/kezek", "SECRET_KEY": "test-secret",
        "TESTING": True, "REDIS_URL": None, "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "INLINE_SWEEP_INTERVAL": 0,
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "db": "down", "redis": "disabled"}

