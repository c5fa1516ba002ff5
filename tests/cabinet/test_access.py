"""Access to every cabinet route, parametrised over the app's URL map: anonymous visitors go to log
in, other roles get 403, a parent reaching for another family's child, application, bulletin
response, referral or message gets 404, and a POST without its CSRF token gets 400."""
import pytest
from sqlalchemy import select

from webapp import create_app
from webapp.extensions import db
from webapp.models import Notification
from webapp.services import documents

from .conftest import PASSWORD, activate, log_in, post_form, respond


def _cabinet_rules():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("cabinet."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                rules.append((rule.endpoint, method, tuple(sorted(rule.arguments))))
    return rules


RULES = _cabinet_rules()
SCOPED = [r for r in RULES if r[2]]  # routes that name one of the parent's objects


def test_the_cabinet_has_the_routes_we_test():
    assert {endpoint for endpoint, _, _ in RULES} >= {
        "cabinet.show_cabinet", "cabinet.add_child", "cabinet.edit_child", "cabinet.submit_application",
        "cabinet.show_application", "cabinet.withdraw_application", "cabinet.respond_invitation",
        "cabinet.decline_placement", "cabinet.confirm_interest", "cabinet.download_referral",
        "cabinet.show_inbox", "cabinet.mark_inbox_read", "cabinet.download_document"}


@pytest.fixture
def others(app, world, factory, session):
    """The other family's application, referred (so that its referral exists), with a privilege
    claim and its stored document, and its bulletin."""
    factory.privilege("disability")
    application = factory.application(world.locality, child=world.other_child, privileges=["disability"])
    claim = application.claims[0]
    claim.document_path = documents.store(app.config["DOCUMENT_FOLDER"], b"%PDF-1.4 the other family's")
    factory.commit()
    bulletin = factory.bulletin(world.group)
    factory.commit()
    session.refresh(application)
    respond(factory, session, application)
    activate(factory, session, world, application)
    return {"child_id": world.other_child.id, "application_id": application.id, "bulletin_id": bulletin.id,
            "claim_id": claim.id}


def _url(app, endpoint, args, ids):
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **{name: ids[name] for name in args})


@pytest.mark.parametrize(("endpoint", "method", "args"), RULES, ids=[f"{m} {e}" for e, m, _ in RULES])
def test_anonymous_visitors_are_sent_to_log_in(app, client, others, endpoint, method, args):
    response = client.open(_url(app, endpoint, args, others), method=method)
    if method == "POST":
        assert response.status_code in (302, 303, 400)  # no session: no CSRF token either
    else:
        assert response.status_code in (302, 303)
        assert "/account/log-in" in response.headers["Location"]


@pytest.mark.parametrize(("endpoint", "method", "args"), SCOPED, ids=[f"{m} {e}" for e, m, _ in SCOPED])
def test_another_familys_objects_do_not_exist(app, logged_in, others, endpoint, method, args):
    url = _url(app, endpoint, args, others)
    if method == "GET":
        assert logged_in.get(url).status_code == 404
    else:
        response = post_form(logged_in, url, {"contacts_ok": "y", "surname": "X", "name": "Y",
                                              "locality": "1", "language": "kk"}, form_page="/cabinet/children/new")
        assert response.status_code == 404


@pytest.mark.parametrize(("endpoint", "method", "args"), RULES, ids=[f"{m} {e}" for e, m, _ in RULES])
def test_other_roles_get_403(app, client, world, factory, others, endpoint, method, args):
    staff, _ = factory.staff(world.kindergarten)
    from webapp.services import users
    users.confirm_phone(staff)
    factory.commit()
    assert log_in(client, staff.phone, PASSWORD).status_code == 303
    url = _url(app, endpoint, args, others)
    if method == "GET":
        assert client.get(url).status_code == 403
    else:
        assert post_form(client, url, {}, form_page="/account").status_code == 403


@pytest.fixture
def own(world, factory, session):
    factory.privilege("large_family", tier="priority")
    application = factory.application(world.locality, child=world.child, privileges=["large_family"])
    factory.commit()
    bulletin = factory.bulletin(world.group)
    factory.commit()
    return {"child_id": world.child.id, "application_id": application.id, "bulletin_id": bulletin.id,
            "claim_id": application.claims[0].id}


POSTS = [r for r in RULES if r[1] == "POST"]


@pytest.mark.parametrize(("endpoint", "method", "args"), POSTS, ids=[e for e, _, _ in POSTS])
def test_a_post_without_csrf_token_is_refused(app, logged_in, own, endpoint, method, args):
    response = logged_in.post(_url(app, endpoint, args, own), data={"contacts_ok": "y", "surname": "X",
                                                                   "name": "Y", "iin": "1"})
    assert response.status_code == 400


def test_the_inbox_shows_only_ones_own_messages(logged_in, world, factory, others):
    own_application = factory.application(world.locality, child=world.child)
    factory.commit()
    page = logged_in.get("/cabinet/inbox").get_data(as_text=True)
    assert own_application.number in page
    db.session.rollback()
    foreign = db.session.scalars(select(Notification).where(Notification.user_id == world.other_parent.id,
                                                            Notification.channel == "inbox")).all()
    assert foreign and all(message.body not in page for message in foreign)
