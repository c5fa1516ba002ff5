"""The administration's front page: only admins get in."""
from ..department.conftest import client, log_in  # noqa: F401 - the browser fixture


def test_admin_sees_the_front_page(client, factory):
    admin = factory.user("admin")
    factory.commit()
    assert log_in(client, admin.phone).status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200
    assert "Administration" in page.get_data(as_text=True)
    assert client.get("/department").status_code == 403


def test_department_operator_is_refused(client, factory):
    operator, _ = factory.department(factory.district())
    factory.commit()
    assert log_in(client, operator.phone).status_code == 303
    assert client.get("/admin").status_code == 403
