"""The department's front page and its menu: only operators of a district get in."""
from .conftest import log_in


def test_operator_sees_the_front_page_and_the_menu(department):
    page = department.get("/department")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Education department" in text
    assert 'href="/department"' in text  # the account menu links the office


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get("/department")
    assert response.status_code in (302, 303)
    assert "/account/log-in" in response.headers["Location"]


def test_parent_and_staff_are_refused(client, world, factory):
    for user in (world.parent, factory.staff(world.kindergarten)[0]):
        factory.commit()
        client.post("/account/log-out")
        client.delete_cookie("session")
        assert log_in(client, user.phone).status_code == 303
        assert client.get("/department").status_code == 403
        assert client.get("/admin").status_code == 403
