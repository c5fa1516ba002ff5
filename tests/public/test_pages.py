"""Every public page, plain and as an htmx partial, in each language; bad input; privacy."""
import csv
import io
import re

import pytest

from webapp.services import clock

from .conftest import segment_query

PAGES = ["/", "/kindergartens", "/bulletins", "/queue", "/queue/lookup", "/transparency"]


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_every_language(client, site, path, lang):
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code == 200
    body = html(response)
    assert f'<html lang="{lang}">' in body
    assert 'name="htmx-config"' in body and "<script src=\"/static/vendor/htmx-2.0.11/htmx.min.js?v=" in body
    assert "HX-Request" in response.headers["Vary"]


def test_language_comes_from_query_then_cookie_then_header(client, site):
    assert '<html lang="kk">' in html(client.get("/", headers={"Accept-Language": "kk"}))
    chosen = client.get("/kindergartens", query_string={"lang": "en"}, headers={"Accept-Language": "kk"})
    assert "lang=en" in chosen.headers["Set-Cookie"]
    # The cookie now wins over the header, on any page, without ?lang=.
    assert '<html lang="en">' in html(client.get("/bulletins", headers={"Accept-Language": "kk"}))
    assert '<html lang="ru">' in html(client.get("/bulletins", query_string={"lang": "ru"}))


def test_an_anonymous_visitor_gets_no_session_cookie(client, site):
    response = client.get("/kindergartens", query_string={"locality": site.world.locality.id})
    assert "session=" not in response.headers.get("Set-Cookie", "")


def test_language_switch_keeps_path_and_query(client, site):
    query = dict(segment_query(site.world), page=1)
    body = html(client.get("/queue", query_string=dict(query, lang="ru")))
    links = re.findall(r'<a href="([^"]+)" hreflang="(kk|ru|en)"', body)
    assert {code for _, code in links} == {"kk", "ru", "en"}
    for href, code in links:
        assert href.startswith("/queue?") and f"lang={code}" in href
        assert f"locality={site.world.locality.id}" in href and "birth_year=2022" in href


def test_names_follow_the_language(client, site):
    assert "Балдырған бөбекжайы" in html(client.get("/kindergartens", query_string={"lang": "kk"}))
    assert "Ясли-сад Балдырган" in html(client.get("/kindergartens", query_string={"lang": "ru"}))
    assert "Baldyrgan nursery" in html(client.get("/kindergartens", query_string={"lang": "en"}))


@pytest.mark.parametrize("path, target", [
    ("/kindergartens", "kindergarten-rows"),
    ("/bulletins", "bulletin-rows"),
    ("/queue", "queue-rows"),
])
def test_htmx_routes_plain_and_partial(client, site, path, target):
    query = segment_query(site.world)
    full = client.get(path, query_string=query)
    partial = client.get(path, query_string=query, headers={"HX-Request": "true"})
    boosted = client.get(path, query_string=query, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert full.status_code == partial.status_code == boosted.status_code == 200
    assert "<html" in html(full) and "<html" in html(boosted)
    assert "<html" not in html(partial)
    assert html(partial).strip().startswith(f'<section id="{target}"')
    rows = lambda body: re.findall(r"<tr><td", body)  # noqa: E731
    assert rows(html(partial)) == rows(html(full)) and rows(html(full))


def test_registry_filters(client, site):
    world = site.world
    everything = html(client.get("/kindergartens"))
    assert all(k.name_ru in everything for k in world.kindergartens)
    in_other = html(client.get("/kindergartens", query_string={"locality": world.other_locality.id}))
    assert "Айгөлек" in in_other and "Солнышко" not in in_other
    russian = html(client.get("/kindergartens", query_string={"language": "ru"}))
    assert "Солнышко" in russian and "Айгөлек" not in russian
    # 2022 with a free place: Балдырган has two such groups; Солнышко's 2022 group is full.
    free_2022 = html(client.get("/kindergartens", query_string={"birth_year": 2022, "lang": "ru"}))
    assert "Ясли-сад Балдырган" in free_2022 and "Солнышко" not in free_2022


@pytest.mark.parametrize("query, field", [
    ({"locality": "abc"}, "locality"), ({"birth_year": "20٢2"}, "birth_year"), ({"language": "de"}, "language"),
])
def test_bad_filters_are_422_with_a_translated_message(client, site, query, field):
    response = client.get("/kindergartens", query_string=dict(query, lang="ru"))
    assert response.status_code == 422
    body = html(response)
    assert f'id="e-{field}"' in body and 'aria-invalid="true"' in body
    assert re.search(r'id="e-%s">[А-Яа-яЁё]' % field, body)


def test_kindergarten_page(client, site):
    kindergarten = site.world.kindergartens[0]
    body = html(client.get(f"/kindergartens/{kindergarten.id}", query_string={"lang": "ru"}))
    assert "Ясли-сад Балдырган" in body and kindergarten.address in body
    for group in site.world.groups.values():
        if group.kindergarten_id == kindergarten.id:
            assert group.name in body
    assert "/queue?locality=" in body  # its queues link to the queue pages


@pytest.mark.parametrize("lang, words", [("kk", "Бет табылмады"), ("ru", "Страница не найдена"), ("en", "Page not found")])
def test_unknown_ids_get_the_404_page_in_the_visitors_language(client, site, lang, words):
    for path in ("/kindergartens/99999", "/verify/" + "x" * 43, "/no-such-page"):
        response = client.get(path, query_string={"lang": lang})
        assert response.status_code == 404
        assert words in html(response) and f'<html lang="{lang}">' in html(response)


def test_queue_page_in_order_with_masked_names(client, site):
    body = html(client.get("/queue", query_string=segment_query(site.world)))
    numbers = re.findall(r"q=(GM-\d{4}-\d+)", body)
    assert numbers and len(numbers) == len(set(numbers))
    positions = [int(p) for p in re.findall(r"<strong>(\d+)</strong></td>", body)]
    assert positions == sorted(positions) and positions[0] == 1
    assert "Сейітов" not in body and "С." in body


def test_queue_csv_has_the_same_rows_and_no_personal_data(client, site, session):
    query = segment_query(site.world)
    response = client.get("/queue.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(html(response))))
    page = html(client.get("/queue", query_string=query))
    assert [row[1] for row in rows[1:]] == re.findall(r"q=(GM-\d{4}-\d+)", page)
    text = html(response)
    for application in site.world.queue:
        assert application.child.iin not in text and application.child.surname not in text


def test_queue_csv_needs_a_whole_segment(client, site):
    response = client.get("/queue.csv", query_string={"locality": site.world.locality.id})
    assert response.status_code == 422


def test_lookup_by_number_explains_the_position(client, site):
    application = site.world.by_tier["ordinary"][1]
    body = html(client.get("/queue/lookup", query_string={"q": application.number, "lang": "en"}))
    assert application.number in body
    assert re.search(r"Ahead of you: \d+ with the extraordinary right, \d+ with the priority right", body)
    assert "1-to-1 rule" in body  # the district's ratio in words
    assert "Application submitted" in body  # its public history


def test_an_iin_lookup_shows_exactly_what_a_number_lookup_shows(client, site):
    application = site.world.by_tier["priority"][0]
    by_iin = client.get("/queue/lookup", query_string={"q": application.child.iin})
    assert by_iin.status_code == 303  # the IIN does not stay in the address bar or the history
    assert by_iin.headers["Location"].endswith(f"q={application.number}")
    by_number = client.get("/queue/lookup", query_string={"q": application.number})
    assert application.child.iin not in html(by_number)
    assert application.child.surname not in html(by_number) and application.child.name not in html(by_number)


@pytest.mark.parametrize("query, status, words", [
    ("12345", 422, "12"),  # length
    ("check digit", 422, "Контрольная цифра"),  # a real IIN with its last digit changed (ru)
    ("GM-2026-999999", 404, "не найдено"),  # unknown
    ("not a number", 422, "GM-2026-000123"),  # neither
])
def test_lookup_bad_input_says_what_is_wrong(client, site, query, status, words):
    if query == "check digit":
        real = site.world.queue[0].child.iin
        query = real[:11] + str((int(real[11]) + 1) % 10)
    response = client.get("/queue/lookup", query_string={"q": query, "lang": "ru"})
    assert response.status_code == status
    assert words in html(response) and 'role="alert"' in html(response)


def test_verify_a_referral(client, site):
    body = html(client.get(f"/verify/{site.referral.token}", query_string={"lang": "en"}))
    assert "valid" in body and site.referral.number in body
    assert site.invited.child.surname not in body and site.invited.child.iin not in body


def test_a_referral_past_its_due_moment_shows_expired(client, site):
    clock.set(site.referral.due_at.replace(microsecond=0) + (site.referral.due_at - site.referral.due_at) + __import__("datetime").timedelta(seconds=1))
    body = html(client.get(f"/verify/{site.referral.token}", query_string={"lang": "en"}))
    assert "expired" in body


def test_transparency_lists_the_latest_distribution(client, site):
    body = html(client.get("/transparency", query_string={"lang": "en"}))
    assert site.invited.number in body  # the published bulletin invited him
    assert "tools/verify_audit.py" in body and "k = 1" in body


def test_security_headers_on_html(client, site):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(client, site):
    for path in PAGES:
        body = html(client.get(path))
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert "<style" not in body and " style=" not in body, path


def test_an_unexpected_error_gets_the_500_page_in_the_visitors_language(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client.get("/broken-for-test", query_string={"lang": "ru"})
    assert response.status_code == 500
    assert '<html lang="ru">' in html(response) and "boom" not in html(response)


def test_a_post_to_a_page_is_405_not_500(client, site):
    assert client.post("/kindergartens").status_code in (400, 405)  # CSRF first, then the method
