"""The public API (DESIGN §9), endpoint by endpoint, on SQLite and PostgreSQL."""
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from webapp.models import AuditEvent, Kindergarten
from webapp.services import applications, audit, bulletins, clock, privileges
from webapp.services.actors import Actor

API = "/api/v1"
ISO_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"


@dataclass
class World:
    locality: object = None
    other_locality: object = None
    kindergartens: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    queue: list = field(default_factory=list)  # the (locality, kk, 2022) applications, by submission
    by_tier: dict = field(default_factory=dict)
    withdrawn: object = None
    bulletins: dict = field(default_factory=dict)


def seed_world(factory, session) -> World:
    """A district with two localities, three kindergartens, a segment with all three tiers, a
    published, a closed and a draft bulletin, a withdrawn application and an audit checkpoint.
    One parent and one department operator: every account costs a deliberately slow password hash."""
    world = World()
    district = factory.district(priority_ratio=1)
    _, department = factory.department(district)
    parent = factory.user()
    world.locality = factory.locality(district, name="Көктем")
    world.other_locality = factory.locality(district, name="Райымбек")
    first = factory.kindergarten(world.locality, languages="kk,ru", name="Балдырған")
    first.name_kk, first.name_ru, first.name_en = "Балдырған бөбекжайы", "Ясли-сад Балдырган", "Baldyrgan nursery"
    second = factory.kindergarten(world.locality, languages="ru", name="Солнышко")
    third = factory.kindergarten(world.other_locality, languages="kk", name="Айгөлек")
    world.kindergartens = [first, second, third]
    world.groups = {
        "kk2022": factory.group(first, 2022, "kk", capacity=25, enrolled=5),
        "ru2022": factory.group(first, 2022, "ru", capacity=20),
        "full": factory.group(second, 2022, "ru", capacity=15, enrolled=15),
        "kk2021": factory.group(third, 2021, "kk", capacity=10, enrolled=2),
    }
    _submit_tiered_segment(world, factory, session, parent, department)
    factory.application(world.locality, child=factory.child(parent), language="ru")
    factory.application(world.other_locality, child=factory.child(parent, birth_date=date(2021, 3, 1)))
    world.withdrawn = factory.application(world.other_locality, child=factory.child(parent, date(2021, 4, 2)))
    factory.commit()
    applications.withdraw(session, world.withdrawn.id, Actor.of(parent), clock.now())
    factory.commit()
    _announce_bulletins(world, factory, session, department)
    audit.checkpoint(session, clock.now().date())
    factory.commit()
    return world


TIER_PLAN = ["ordinary", "priority", "ordinary", "extraordinary", "ordinary", "priority", "ordinary"]


def _submit_tiered_segment(world, factory, session, parent, department) -> None:
    """Seven applications in (locality, kk, 2022), a minute apart, with verified privileges."""
    extraordinary = factory.privilege("disability", "extraordinary")
    priority = factory.privilege("large_family", "priority")
    codes = {"extraordinary": [extraordinary.code], "priority": [priority.code], "ordinary": []}
    for n, tier in enumerate(TIER_PLAN):
        child = factory.child(parent, surname="Сейітов", name="Алихан" if n % 2 else "Дана", sex="M" if n % 2 else "F")
        world.queue.append(factory.application(world.locality, child=child, privileges=codes[tier]))
        clock.advance(timedelta(minutes=1))
    factory.commit()
    for application in world.queue:
        for claim in application.claims:
            privileges.verify_claim(session, claim.id, department, clock.now())
    factory.commit()
    world.by_tier = {tier: [a for a, t in zip(world.queue, TIER_PLAN) if t == tier] for tier in codes}


def _announce_bulletins(world, factory, session, department) -> None:
    """Published (its one seat goes to the first in the queue), draft, and published then closed."""
    def announce(group, places, publish=True):
        bulletin = bulletins.create(session, group.id, places, department, clock.now())
        if publish:
            bulletins.publish(session, bulletin.id, department, clock.now())
        factory.commit()  # distribution runs after the commit
        return bulletin

    world.bulletins["published"] = announce(world.groups["kk2022"], 1)
    world.bulletins["draft"] = announce(world.groups["ru2022"], 2, publish=False)
    closed = announce(world.groups["kk2021"], 2)
    world.bulletins["closed"] = bulletins.close(session, closed.id, department, clock.now())
    factory.commit()


@pytest.fixture
def world(factory, session):
    return seed_world(factory, session)


def get(client, path, **query):
    return client.get(API + path, query_string=query)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


# --- localities and kindergartens ---------------------------------------------------------------

def test_localities_list_ids_and_names(client, world):
    response = get(client, "/localities", lang="kk")
    assert response.status_code == 200
    assert response.get_json() == [
        {"id": world.locality.id, "name": "Көктем"}, {"id": world.other_locality.id, "name": "Райымбек"},
    ]


@pytest.mark.parametrize("lang, header, expected", [
    ("kk", None, "Балдырған бөбекжайы"),
    ("en", "ru", "Baldyrgan nursery"),  # ?lang= wins over the header
    (None, "ru-RU,ru;q=0.9", "Ясли-сад Балдырган"),
    (None, "en-GB,en;q=0.8", "Baldyrgan nursery"),
    (None, "kk", "Балдырған бөбекжайы"),
])
def test_names_follow_lang_then_accept_language(client, world, lang, header, expected):
    query = {"lang": lang} if lang else {}
    headers = {"Accept-Language": header} if header else {}
    kindergarten_id = world.kindergartens[0].id
    detail = client.get(f"{API}/kindergartens/{kindergarten_id}", query_string=query, headers=headers)
    listed = client.get(f"{API}/kindergartens", query_string=query, headers=headers)
    assert detail.get_json()["name"] == expected
    assert listed.get_json()["items"][0]["name"] == expected
    assert detail.headers["Content-Language"] == (lang or header[:2])
    assert "Accept-Language" in detail.headers["Vary"]


def test_kindergartens_have_places_and_queue_size(client, world):
    body = get(client, "/kindergartens").get_json()
    assert body["total"] == 3
    first, second, third = body["items"]
    assert first == {
        "id": world.kindergartens[0].id, "name": first["name"], "locality_id": world.locality.id,
        "address": "ул. Абая, 1", "languages": ["kk", "ru"], "capacity": 45, "free_places": 40,
        # waiting in the locality in kk or ru: the 7 of the kk segment and 1 in ru
        "queue_size": 8,
    }
    assert (second["capacity"], second["free_places"], second["queue_size"]) == (15, 0, 1)
    assert (third["capacity"], third["free_places"], third["queue_size"]) == (10, 8, 1)  # withdrawn not counted


def test_queue_size_counts_only_waiting_applications(client, world, session):
    before = get(client, "/kindergartens", locality=world.locality.id).get_json()["items"][0]["queue_size"]
    application = world.queue[-1]
    applications.withdraw(session, application.id, Actor.of(application.child.parent), clock.now())
    session.commit()
    after = get(client, "/kindergartens", locality=world.locality.id).get_json()["items"][0]["queue_size"]
    assert after == before - 1


def test_kindergartens_filter_by_locality_and_language(client, world):
    def ids(**query):
        return [item["id"] for item in get(client, "/kindergartens", **query).get_json()["items"]]

    first, second, third = (k.id for k in world.kindergartens)
    assert ids(locality=world.locality.id) == [first, second]
    assert ids(language="kk") == [first, third]
    assert ids(language="ru") == [first, second]
    assert ids(locality=world.other_locality.id, language="ru") == []


def test_kindergartens_paginate_with_total(client, world):
    pages = [get(client, "/kindergartens", page=n, per_page=2).get_json() for n in (1, 2, 3)]
    assert [page["total"] for page in pages] == [3, 3, 3]
    assert [len(page["items"]) for page in pages] == [2, 1, 0]
    seen = [item["id"] for page in pages for item in page["items"]]
    assert seen == sorted(k.id for k in world.kindergartens)


def test_kindergarten_detail_lists_groups(client, world):
    body = get(client, f"/kindergartens/{world.kindergartens[0].id}").get_json()
    assert body["capacity"] == 45 and body["queue_size"] == 8
    kk, ru = world.groups["kk2022"], world.groups["ru2022"]
    assert body["groups"] == [
        {"id": kk.id, "name": kk.name, "birth_year": 2022, "language": "kk", "capacity": 25, "enrolled": 5,
         "free_places": 20},
        {"id": ru.id, "name": ru.name, "birth_year": 2022, "language": "ru", "capacity": 20, "enrolled": 0,
         "free_places": 20},
    ]


def test_kindergarten_without_groups_has_no_places(client, world, factory):
    empty = factory.kindergarten(world.other_locality, languages="ru", name="Жаңа")
    factory.commit()
    body = get(client, f"/kindergartens/{empty.id}").get_json()
    assert (body["capacity"], body["free_places"], body["groups"], body["queue_size"]) == (0, 0, [], 0)


@pytest.mark.parametrize("path", ["/kindergartens/999999", "/kindergartens/0", "/kindergartens/abc",
                                  "/kindergartens/-1", "/kindergartens/99999999999999999999",
                                  "/kindergartens/1.0", "/kindergartens/%D9%A3"])
def test_unknown_kindergarten_is_404(client, world, path):
    assert_error(client.get(API + path), 404, "not_found")


# --- bulletins ----------------------------------------------------------------------------------

def test_bulletins_are_public_only_once_published(client, world):
    body = get(client, "/bulletins").get_json()
    ids = {item["id"]: item for item in body["items"]}
    assert body["total"] == 2
    assert set(ids) == {world.bulletins["published"].id, world.bulletins["closed"].id}
    published = ids[world.bulletins["published"].id]
    assert published == {
        "id": published["id"], "kindergarten_id": world.kindergartens[0].id,
        "group_id": world.groups["kk2022"].id, "locality_id": world.locality.id, "language": "kk",
        "birth_year": 2022, "places": 1, "free_places": 0,  # its one seat went to the first in the queue
        "status": "published", "published_at": published["published_at"],
    }
    assert ids[world.bulletins["closed"].id]["status"] == "closed"
    assert body["items"][0]["published_at"] >= body["items"][1]["published_at"]  # newest first
    assert published["published_at"].endswith("Z")


def test_bulletins_filter(client, world):
    def ids(**query):
        return {item["id"] for item in get(client, "/bulletins", **query).get_json()["items"]}

    published, closed = world.bulletins["published"].id, world.bulletins["closed"].id
    assert ids(locality=world.locality.id) == {published}
    assert ids(birth_year=2021) == {closed}
    assert ids(language="ru") == set()
    assert ids(locality=world.other_locality.id, language="kk", birth_year=2021) == {closed}
    assert get(client, "/bulletins", per_page=1, page=2).get_json()["total"] == 2


# --- the queue ----------------------------------------------------------------------------------

def segment_query(world, **extra):
    return dict(locality=world.locality.id, language="kk", birth_year=2022, **extra)


def test_queue_lists_the_segment_in_position_order_with_masked_names(client, world):
    response = get(client, "/queue", **segment_query(world))
    body = response.get_json()
    assert body["total"] == 7
    items = body["items"]
    assert [item["position"] for item in items] == list(range(1, 8))
    # k = 1: E, then P1 O1 P2 O2, then the remaining ordinary ones
    e, p, o = (world.by_tier[t] for t in ("extraordinary", "priority", "ordinary"))
    expected = [e[0], p[0], o[0], p[1], o[1], o[2], o[3]]
    assert [item["number"] for item in items] == [a.number for a in expected]
    assert [item["tier"] for item in items][:3] == ["extraordinary", "priority", "ordinary"]
    assert items[0]["status"] == "invited" and items[1]["status"] == "queued"
    assert {item["child"] for item in items} == {"Д. С.", "А. С."}
    text = response.get_data(as_text=True)
    for application in world.queue:
        assert application.child.iin not in text
        assert application.child.name not in text
    for item in items:
        assert set(item) == {"position", "number", "tier", "submitted_at", "status", "child"}
        assert item["submitted_at"].endswith("Z")


def test_queue_pages_join_up(client, world):
    whole = get(client, "/queue", **segment_query(world)).get_json()["items"]
    pages = [get(client, "/queue", **segment_query(world, page=n, per_page=3)).get_json() for n in (1, 2, 3, 4)]
    assert [len(page["items"]) for page in pages] == [3, 3, 1, 0]
    assert [item for page in pages for item in page["items"]] == whole


def test_queue_of_an_empty_segment_is_empty(client, world):
    body = get(client, "/queue", locality=world.locality.id, language="kk", birth_year=2019).get_json()
    assert body == {"total": 0, "items": []}


def test_queue_of_an_unknown_locality_is_404(client, world):
    assert_error(get(client, "/queue", locality=999999, language="kk", birth_year=2022), 404, "not_found")


@pytest.mark.parametrize("query", [
    {}, {"language": "kk", "birth_year": 2022}, {"locality": 1, "birth_year": 2022}, {"locality": 1, "language": "kk"},
    {"locality": "x", "language": "kk", "birth_year": 2022}, {"locality": 1, "language": "en", "birth_year": 2022},
    {"locality": 1, "language": "kk", "birth_year": "20x2"}, {"locality": 1, "language": "kk", "birth_year": 1850},
    {"locality": 1, "language": "kk", "birth_year": 2022, "page": 0},
    {"locality": 1, "language": "kk", "birth_year": 2022, "per_page": 101},
    {"locality": 1, "language": "kk", "birth_year": 2022, "page": "1.5"},
    {"locality": "", "language": "kk", "birth_year": 2022},
])
def test_queue_needs_a_whole_well_formed_segment(client, world, query):
    assert_error(get(client, "/queue", **query), 422, "invalid_parameter")


def test_a_repeated_parameter_is_rejected(client, world):
    response = client.get(f"{API}/queue?locality=1&language=kk&birth_year=2022&birth_year=2021")
    assert_error(response, 422, "invalid_parameter")


# --- looking up a position ------------------------------------------------------------------------

def test_lookup_by_number_and_by_iin_agree_and_explain_the_position(client, world):
    listed = {item["number"]: item["position"] for item in get(client, "/queue", **segment_query(world)).get_json()["items"]}
    for application in world.queue:
        by_number = get(client, "/queue/lookup", q=application.number)
        by_iin = get(client, "/queue/lookup", q=application.child.iin)
        assert by_number.status_code == by_iin.status_code == 200
        body = by_number.get_json()
        assert body == by_iin.get_json()
        assert body["number"] == application.number
        assert body["position"] == listed[application.number]
        assert sum(body["ahead"].values()) == body["position"] - 1
        assert body["segment"] == {"locality_id": world.locality.id, "language": "kk", "birth_year": 2022}
        assert body["submitted_at"].endswith("Z")
        assert application.child.iin not in by_iin.get_data(as_text=True)


def test_lookup_explains_who_is_ahead(client, world):
    last_ordinary = world.by_tier["ordinary"][-1]  # position 7: E, P, O, P, O, O ahead of it
    body = get(client, "/queue/lookup", q=last_ordinary.number).get_json()
    assert body["position"] == 7
    assert body["tier"] == "ordinary"
    assert body["ahead"] == {"extraordinary": 1, "priority": 2, "ordinary": 3}


def test_lookup_accepts_a_lowercase_number_with_spaces(client, world):
    number = world.queue[0].number
    assert get(client, "/queue/lookup", q=f"  {number.lower()} ").get_json()["number"] == number


def test_lookup_of_an_application_that_is_not_waiting(client, world):
    body = get(client, "/queue/lookup", q=world.withdrawn.number).get_json()
    assert body["status"] == "withdrawn"
    assert body["position"] is None and body["ahead"] is None
    assert body["segment"]["birth_year"] == 2021


@pytest.mark.parametrize("q, status, code", [
    ("GM-2026-999999", 404, "not_found"),
    ("000000000000", 404, "not_found"),
    ("GM-2026", 422, "invalid_query"),
    ("12345", 422, "invalid_query"),
    ("Сейітов", 422, "invalid_query"),
    # Digits of other scripts are not the ASCII digits the OpenAPI pattern [0-9]{12} promises.
    ("\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661", 422, "invalid_query"),
    ("GM-\u0662\u0660\u0662\u0666-000001", 422, "invalid_query"),
    ("\uff10" * 12, 422, "invalid_query"),
    ("", 422, "invalid_parameter"),
    ("x" * 65, 422, "invalid_parameter"),
])
def test_lookup_rejects_unknown_and_malformed_queries(client, world, q, status, code):
    assert_error(get(client, "/queue/lookup", q=q), status, code)


def test_lookup_without_q_is_422(client, world):
    assert_error(get(client, "/queue/lookup"), 422, "invalid_parameter")


def test_lookup_stays_within_a_few_queries(client, world, app):
    from sqlalchemy import event

    from webapp.extensions import db

    statements = []

    def count(*args):
        statements.append(args[2])

    iin = world.queue[-1].child.iin
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert get(client, "/queue/lookup", q=iin).status_code == 200
        lookup_queries = len(statements)
        statements.clear()
        assert get(client, "/queue", **segment_query(world, per_page=7)).status_code == 200
        page_queries = len(statements)
        statements.clear()
        assert get(client, "/kindergartens").status_code == 200
        list_queries = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    print(f"queries: lookup={lookup_queries} queue page={page_queries} kindergartens={list_queries}")
    assert lookup_queries <= 4  # find, ratio, counts, rank
    assert page_queries <= 7  # ratio, counts, up to three tier slices, the children's names
    assert list_queries <= 5  # total, page, places, queue sizes


# --- the audit feed -----------------------------------------------------------------------------

def test_audit_events_are_the_public_chain(client, world, session):
    body = get(client, "/audit/events", limit=1000).get_json()
    events = body["items"]
    assert body["next_after_seq"] is None
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    prev = audit.GENESIS
    for record in events:
        assert record["prev_hash"] == prev
        assert audit.chain_hash(prev, {k: v for k, v in record.items() if k != "hash"}) == record["hash"]
        prev = record["hash"]
    assert set(events[0]) == {"seq", "at", "action", "application", "from", "to", "actor_role", "reason", "data",
                              "private_digest", "prev_hash", "hash"}
    text = str(events)
    assert all(a.child.iin not in text and a.child.name not in text for a in world.queue)


def test_audit_events_page_with_a_cursor(client, world, session):
    total = session.query(AuditEvent).count()
    seen, after = [], 0
    while after is not None:
        body = get(client, "/audit/events", after_seq=after, limit=4).get_json()
        assert len(body["items"]) <= 4
        seen.extend(record["seq"] for record in body["items"])
        after = body["next_after_seq"]
    assert seen == list(range(1, total + 1))
    assert get(client, "/audit/events", after_seq=total).get_json() == {"items": [], "next_after_seq": None}


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"after_seq": -1}, {"after_seq": "a"}])
def test_audit_events_reject_bad_parameters(client, world, query):
    assert_error(get(client, "/audit/events", **query), 422, "invalid_parameter")


def test_audit_head_and_checkpoints(client, world, session):
    last = session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert get(client, "/audit/head").get_json() == {"seq": last.seq, "hash": last.hash, "at": last.at}
    body = get(client, "/audit/checkpoints").get_json()
    assert body["total"] == 1
    assert body["items"] == [{"day": clock.now().date().isoformat(), "seq": last.seq, "hash": last.hash,
                              "at": last.at}]


def test_audit_head_of_an_empty_chain(client):
    assert get(client, "/audit/head").get_json() == {"seq": 0, "hash": "0" * 64, "at": None}
    assert get(client, "/audit/events").get_json() == {"items": [], "next_after_seq": None}
    assert get(client, "/audit/checkpoints").get_json() == {"total": 0, "items": []}


# --- the whole API ------------------------------------------------------------------------------

LIST_PATHS = ["/localities", "/kindergartens", "/bulletins", "/audit/events", "/audit/head", "/audit/checkpoints"]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_unknown_lang_is_422(client, path):
    assert_error(get(client, path, lang="de"), 422, "invalid_parameter")


@pytest.mark.parametrize("path, query", [
    ("/kindergartens", {"page": "one"}), ("/kindergartens", {"per_page": 101}),
    ("/kindergartens", {"language": "en"}), ("/kindergartens", {"locality": "-3"}),
    ("/bulletins", {"birth_year": "soon"}), ("/bulletins", {"page": 1_000_001}),
    ("/audit/checkpoints", {"per_page": 0}),
])
def test_bad_query_parameters_are_422(client, path, query):
    assert_error(get(client, path, **query), 422, "invalid_parameter")


def test_unknown_path_is_a_json_404(client):
    assert_error(client.get(f"{API}/nothing-here"), 404, "not_found")


def test_openapi_document_lists_every_endpoint(client, app):
    document = get(client, "/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {"/api/v1" + path for path in document["paths"]}
    routed = {rule.rule.replace("<kindergarten_id>", "{id}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert documented == routed


def test_responses_are_utf8_json_open_to_any_origin(client, world):
    response = get(client, "/localities")
    assert response.headers["Content-Type"] == "application/json"
    assert "Көктем".encode() in response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_kindergarten_names_fall_back_to_russian(client, world, session):
    kindergarten = session.get(Kindergarten, world.kindergartens[0].id)
    kindergarten.name_en = ""
    session.commit()
    assert get(client, f"/kindergartens/{kindergarten.id}", lang="en").get_json()["name"] == "Ясли-сад Балдырган"


# --- rate limits --------------------------------------------------------------------------------

class TestRateLimits:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "5 per minute", "RATELIMIT_LOOKUP": "2 per minute"}

    def test_the_api_answers_429_with_the_error_object(self, client):
        statuses = [get(client, "/localities").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        limited = get(client, "/audit/head")  # one budget for the whole API
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) > 0

    def test_lookup_has_its_own_stricter_limit(self, client, world):
        number = world.queue[0].number
        statuses = [get(client, "/queue/lookup", q=number).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert_error(get(client, "/queue/lookup", q=number), 429, "rate_limited")
        assert get(client, "/localities").status_code == 200  # the API limit still has room


class TestBehindAProxy:
    """Behind a load balancer every request comes from its address: limits must count visitors."""

    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "100 per minute", "RATELIMIT_LOOKUP": "2 per minute",
                "PROXY_HOPS": 1}

    def test_limits_count_each_visitor_not_the_proxy(self, client, world):
        number = world.queue[0].number

        def lookup(visitor):
            return client.get(f"{API}/queue/lookup", query_string={"q": number},
                              headers={"X-Forwarded-For": visitor}).status_code

        assert [lookup(f"203.0.113.{i}") for i in range(1, 6)] == [200] * 5
        assert [lookup("198.51.100.7") for _ in range(3)] == [200, 200, 429]

    def test_https_behind_the_proxy_gets_hsts(self, client):
        response = client.get(f"{API}/localities", headers={"X-Forwarded-Proto": "https"})
        assert "max-age=" in response.headers["Strict-Transport-Security"]



def test_undeclared_method_is_a_json_405_with_allow(client):
    response = client.post(f"{API}/localities")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers.get("Allow", "")
