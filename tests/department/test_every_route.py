"""Every route of the department's office and of the administration, found in the URL map (so a
route added later is covered without editing this file): anonymous visitors are sent to log in,
accounts of any other role get 403, and every POST without a CSRF token gets 400. Scope within the
role (another district's objects → 404) is tested beside each page, where real ids exist."""
import pytest

from .conftest import csrf_token, log_in


def _routes(app, blueprint: str) -> list[tuple[str, str]]:
    """(method, path) of every rule of the blueprint, with 999999 for numbers and "x" for text."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{blueprint}."):
            continue
        values = {argument: 999999 if type(converter).__name__ in ("IntegerConverter", "NumberConverter")
                  else "x" for argument, converter in rule._converters.items()}
        path = adapter.build(rule.endpoint, values)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def _request(client, method: str, path: str, token: str | None = None):
    data = {"csrf_token": token} if token else {}
    return client.open(path, method=method, data=data)


@pytest.fixture(params=["department", "admin"])
def routes(request, app):
    found = _routes(app, request.param)
    assert len(found) >= 1
    return request.param, found


def test_anonymous_visitors_are_sent_to_log_in(client, routes):
    _, found = routes
    for method, path in found:
        response = _request(client, method, path)
        if method == "POST":
            assert response.status_code == 400, (method, path)  # no token, no form of theirs
        else:
            assert response.status_code in (302, 303), (method, path)
            assert "/account/log-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["parent", "staff", "other_office"])
def test_other_roles_get_403(client, world, factory, routes, role):
    blueprint, found = routes
    if role == "parent":
        user = world.parent
    elif role == "staff":
        user, _ = factory.staff(world.kindergarten)
    elif blueprint == "department":
        user = factory.user("admin")
    else:
        user, _ = factory.department(world.district)
    factory.commit()
    assert log_in(client, user.phone).status_code == 303
    token = csrf_token(client, "/account/profile")
    for method, path in found:
        response = _request(client, method, path, token)
        assert response.status_code == 403, (role, method, path)


def test_every_post_needs_the_csrf_token(client, world, factory, routes):
    blueprint, found = routes
    user = factory.department(world.district)[0] if blueprint == "department" else factory.user("admin")
    factory.commit()
    assert log_in(client, user.phone).status_code == 303
    posts = [path for method, path in found if method == "POST"]
    assert len(posts) >= 3  # both offices act through forms; an empty list would test nothing
    for path in posts:
        assert _request(client, "POST", path).status_code == 400, path
