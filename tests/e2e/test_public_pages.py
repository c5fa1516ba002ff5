"""The public site in a real browser at 360 px: accessible (axe-core, no serious or critical finding),
no sideways scrolling, usable with JavaScript off, active search through htmx with JavaScript on, and a
language switch that keeps the place. Screenshots of every page land in tests/e2e/screens/ (kk-home.png, …).

Every page runs on SQLite in Kazakh and Russian; a subset runs on PostgreSQL as well. What the pages
should show is read from the public JSON API of the same server, so the two must agree."""
import csv
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import pytest

from .conftest import BACKENDS, PHONE, describe_violations, screenshot, serious_violations
from .district import PAGE_NAMES

LANGUAGES = ["kk", "ru"]
ON_POSTGRESQL = ["home", "kindergarten", "queue", "lookup"]
HEX = re.compile(r"[0-9a-f]+")
TECHNICAL_NAMES = {"JSON", "OpenAPI", "Python"}  # names of formats and tools, the same in every language


def _page_cases():
    for name in PAGE_NAMES:
        for language in LANGUAGES:
            yield pytest.param("sqlite", name, language, id=f"sqlite-{language}-{name}")
    for name in ON_POSTGRESQL:
        yield pytest.param("postgresql", name, "kk", id=f"postgresql-kk-{name}", marks=pytest.mark.postgresql)


@pytest.mark.parametrize(("site", "name", "language"), list(_page_cases()), indirect=["site"])
def test_page_is_accessible(site, page, name, language):
    url = _in(site.district.urls()[name], language)
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1, f"{url}: one <h1> per page"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url}: {width} px wide, the phone scrolls sideways"
    if site.backend == "sqlite":
        screenshot(page, f"{language}-{name}.png")
    violations = serious_violations(page)
    assert not violations, f"{url}:\n{describe_violations(violations)}"
    assert not page.problems, f"{url}: errors in the browser console: {page.problems}"


@pytest.mark.parametrize(("url", "status"), [
    ("/queue/lookup?q=not-a-number", 422),
    ("/queue/lookup?q=GM-2026-999999", 404),
    ("/kindergartens/999999", 404),
    ("/verify/no-such-referral-token", 404),
    ("/kindergartens?locality=abc", 422),
], ids=["lookup-malformed", "lookup-unknown", "kindergarten-unknown", "verify-unknown", "filter-malformed"])
def test_error_pages_are_accessible(site, page, url, status):
    response = page.goto(_in(url, "kk"))
    assert response.status == status, url
    assert page.locator("html").get_attribute("lang") == "kk"
    violations = serious_violations(page)
    assert not violations, f"{url}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_speak_the_visitors_language(site, page, language):
    """No English left on a Kazakh or Russian page: every visible string went through the catalogue.
    Text marked with another ``lang`` (the language switch) and code samples do not count."""
    untranslated = {}
    for name, url in site.district.urls().items():
        page.goto(_in(url, language))
        text = page.evaluate("""() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll("pre, code, [lang]").forEach(e => {
                if (e.matches("pre, code") || e.lang !== document.documentElement.lang) e.remove();
            });
            return document.title + " " + copy.textContent;
        }""")
        words = sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'’]{3,}", text)
                        if not HEX.fullmatch(w) and w not in TECHNICAL_NAMES})
        if words:
            untranslated[name] = words
    assert not untranslated, f"English words on {language} pages: {untranslated}"


# --- JavaScript off ---------------------------------------------------------------------------------

def test_registry_filter_works_without_javascript(site, page_without_js):
    page = page_without_js
    locality, expected = _locality_with_russian_kindergartens(site)
    page.goto(_in("/kindergartens", "kk"))
    everything = _kindergarten_ids(page)
    assert everything, "the unfiltered registry lists kindergartens"
    form = page.locator("form:has([name=locality])")
    form.locator("[name=locality]").select_option(str(locality))
    form.locator("[name=language]").select_option("ru")
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == "/kindergartens"
    assert query["locality"] == [str(locality)] and query["language"] == ["ru"]
    shown = _kindergarten_ids(page)
    assert shown and set(shown) <= expected and len(shown) == min(len(expected), 20), (shown, expected)
    assert shown != everything


def test_bulletin_filter_works_without_javascript(site, page_without_js):
    page = page_without_js
    everything = _published_bulletins(site)
    localities = sorted({b["locality_id"] for b in everything})
    assert len(localities) > 1, "open bulletins in more than one locality"
    locality = localities[0]
    page.goto(_in("/bulletins", "ru"))
    form = page.locator("form:has([name=locality])")
    form.locator("[name=locality]").select_option(str(locality))
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["locality"] == [str(locality)]
    expected = [b["kindergarten_id"] for b in _published_bulletins(site, locality=locality)]
    assert expected and len(expected) < len(everything)
    assert _bulletin_kindergartens(page) == expected[:20]


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_queue_form_works_without_javascript(site, page_without_js):
    page, segment = page_without_js, site.district.segment
    page.goto(_in("/queue", "kk"))
    assert _queue_numbers(page) == [], "no segment chosen yet: no rows"
    form = page.locator("form:has([name=birth_year])")
    form.locator("[name=locality]").select_option(str(segment.locality_id))
    form.locator("[name=language]").select_option(segment.language)
    form.locator("[name=birth_year]").select_option(str(segment.birth_year))
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    query = parse_qs(urlsplit(page.url).query)
    assert (query["locality"], query["language"], query["birth_year"]) == (
        [str(segment.locality_id)], [segment.language], [str(segment.birth_year)])
    expected = _api(site, f"/api/v1/queue?{site.district.queue_query(per_page=50)}")
    assert _queue_numbers(page) == [item["number"] for item in expected["items"]]
    assert len(expected["items"]) >= 3


def test_queue_downloads_as_csv_without_javascript(site, page_without_js):
    page = page_without_js
    page.goto(_in(site.district.urls()["queue"], "kk"))
    with page.expect_download() as download:
        page.locator("#queue-rows a[href*='/queue.csv']").click()
    with open(download.value.path(), encoding="utf-8") as saved:
        rows = list(csv.reader(saved))
    expected = _api(site, f"/api/v1/queue?{site.district.queue_query(per_page=100)}")
    assert [row[1] for row in rows[1:]] == [item["number"] for item in expected["items"]]
    assert [row[0] for row in rows[1:]] == [str(item["position"]) for item in expected["items"]]


@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_lookup_works_without_javascript(site, page_without_js):
    page, district = page_without_js, site.district
    page.goto(_in("/", "kk"))
    _submit_lookup(page, district.number)
    assert urlsplit(page.url).path == "/queue/lookup"
    assert parse_qs(urlsplit(page.url).query)["q"] == [district.number]
    found = _api(site, f"/api/v1/queue/lookup?{urlencode({'q': district.number})}")
    assert found["position"] == district.position
    assert district.number in page.locator("h1").inner_text()
    heading = page.locator("main h2").first.inner_text()  # the first thing under the title: the position
    assert re.search(rf"(?<!\d){district.position}(?!\d)", heading), (district.position, heading)
    page.goto(_in("/queue/lookup", "kk"))
    _submit_lookup(page, district.iin)
    assert district.number in page.locator("main").inner_text(), "a lookup by IIN finds the same application"
    assert district.iin not in page.locator("main").inner_text(), "the IIN is never printed back"


def test_malformed_and_unknown_lookups_answer_in_the_visitors_language(site, page_without_js):
    page, messages = page_without_js, {}
    for language in LANGUAGES:
        page.goto(_in("/", language))
        response = _submit_lookup(page, "12345")
        assert response.status == 422
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("input[name=q]").input_value() == "12345", "the form keeps what was typed"
        messages[language] = page.locator("main [role=alert]").inner_text().strip()
        assert messages[language]
        response = _submit_lookup(page, "GM-2026-999999")
        assert response.status == 404
    assert messages["kk"] != messages["ru"], f"the message is not translated: {messages}"


def test_pages_show_their_content_without_javascript(site, page_without_js):
    page, district = page_without_js, site.district
    urls = district.urls()
    kindergarten = _api(site, f"/api/v1/kindergartens/{district.kindergarten_id}?lang=kk")
    page.goto(_in(urls["kindergarten"], "kk"))
    assert page.locator("h1").inner_text().strip() == kindergarten["name"]
    assert page.locator("main table tbody tr").count() == len(kindergarten["groups"])
    page.goto(_in(urls["verify"], "kk"))
    assert district.referral_number in page.locator("h1").inner_text()
    head = _api(site, "/api/v1/audit/head")  # now: browser tests of the offices add events to this site
    page.goto(_in(urls["transparency"], "kk"))
    assert head["hash"][:16] in page.locator("main").inner_text(), "the chain head is shown"
    published = _published_bulletins(site)
    page.goto(_in(urls["bulletins"], "kk"))
    assert published, "the demo district has open bulletins"
    assert _bulletin_kindergartens(page) == [b["kindergarten_id"] for b in published][:20]
    page.goto(_in(urls["home"], "kk"))
    assert page.locator("form input[name=q]").count() == 1, "the home page offers the lookup"


# --- JavaScript on ----------------------------------------------------------------------------------

@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_registry_filter_updates_rows_with_htmx(site, page):
    from playwright.sync_api import expect  # imported here: without Playwright the fixtures skip
    locality, expected = _locality_with_russian_kindergartens(site)
    page.goto(_in("/kindergartens", "kk"))
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.stillTheSamePage = true }")
    everything = _kindergarten_ids(page)
    with page.expect_response(lambda r: _is_htmx_request(r, "/kindergartens")) as answer:
        page.select_option("[name=locality]", str(locality))
    assert answer.value.status == 200
    page.wait_for_url(re.compile(rf"[?&]locality={locality}(&|$)"))
    with page.expect_response(lambda r: _is_htmx_request(r, "/kindergartens")):
        page.focus("[name=language]")  # typed, as a keyboard user would: "Any" → the next option
        page.keyboard.press("ArrowDown")
    page.wait_for_url(re.compile(r"[?&]language=(kk|ru)(&|$)"))
    chosen = parse_qs(urlsplit(page.url).query)["language"][0]
    expected = _kindergartens(site, locality, chosen)
    assert page.evaluate("() => window.stillTheSamePage") is True, "htmx swapped the rows, no page load"
    assert page.locator("[id=kindergarten-rows]").count() == 1, \
        "#kindergarten-rows ended up inside itself: the partial must replace the element, not fill it"
    shown = _kindergarten_ids(page)
    assert shown and set(shown) <= expected and len(shown) == min(len(expected), 20), (shown, expected)
    assert shown != everything
    violations = serious_violations(page)
    assert not violations, f"after the htmx swap:\n{describe_violations(violations)}"
    assert not page.problems, page.problems
    page.go_back()  # the previous URL and its rows, whether htmx restores them or the page reloads
    expect(page.locator("[name=language]")).to_have_value("")
    assert parse_qs(urlsplit(page.url).query)["locality"] == [str(locality)]
    assert "language" not in parse_qs(urlsplit(page.url).query)
    in_locality = _kindergartens(site, locality, None)
    shown = _kindergarten_ids(page)
    assert set(shown) <= in_locality and len(shown) == min(len(in_locality), 20), (shown, in_locality)


def test_bulletin_filter_updates_rows_with_htmx(site, page):
    locality = sorted({b["locality_id"] for b in _published_bulletins(site)})[0]
    expected = [b["kindergarten_id"] for b in _published_bulletins(site, locality=locality)]
    page.goto(_in("/bulletins", "ru"))
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.stillTheSamePage = true }")
    with page.expect_response(lambda r: _is_htmx_request(r, "/bulletins")) as answer:
        page.select_option("[name=locality]", str(locality))
    assert answer.value.status == 200
    page.wait_for_url(re.compile(rf"[?&]locality={locality}(&|$)"))
    assert page.evaluate("() => window.stillTheSamePage") is True, "htmx swapped the rows, no page load"
    assert page.locator("[id=bulletin-rows]").count() == 1, \
        "#bulletin-rows ended up inside itself: the partial must replace the element, not fill it"
    assert _bulletin_kindergartens(page) == expected[:20]
    assert not page.problems, page.problems


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_registry_pages_through_with_next(site, request, javascript):
    page = request.getfixturevalue("page" if javascript else "page_without_js")
    second = [item["id"] for item in _api(site, "/api/v1/kindergartens?page=2&per_page=20")["items"]]
    assert second, "the demo registry has more than one page"
    page.goto(_in("/kindergartens", "kk"))
    page.locator("#kindergarten-rows a[rel=next]").first.click()
    page.wait_for_url(re.compile(r"[?&]page=2(&|$)"))
    assert page.locator("[id=kindergarten-rows]").count() == 1, \
        "#kindergarten-rows ended up inside itself: the partial must replace the element, not fill it"
    assert _kindergarten_ids(page) == second


# --- the language switch ----------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_language_switch_keeps_the_place(site, request, javascript):
    page = request.getfixturevalue("page" if javascript else "page_without_js")
    start = _in(site.district.urls()["queue"], "kk")
    page.goto(start)
    numbers = _queue_numbers(page)
    assert numbers
    for language in ("ru", "kk", "en"):
        page.locator(f"header a[hreflang={language}]").first.click()
        page.wait_for_url(re.compile(rf"[?&]lang={language}(&|$)"))
        here, before = urlsplit(page.url), urlsplit(start)
        assert here.path == before.path
        assert _without_lang(here.query) == _without_lang(before.query)
        assert page.locator("html").get_attribute("lang") == language, f"<html lang> on choosing {language}"
        assert _queue_numbers(page) == numbers
    page.goto(site.district.urls()["home"])
    assert page.locator("html").get_attribute("lang") == "en", "the chosen language is remembered"


def test_every_page_offers_the_other_languages_at_the_same_address(site, page_without_js):
    page = page_without_js
    for name, url in site.district.urls().items():
        page.goto(_in(url, "ru"))
        here = urlsplit(page.url)
        links = {link.get_attribute("hreflang"): urlsplit(link.get_attribute("href"))
                 for link in page.locator("header a[hreflang]").all()}
        assert set(links) == {"kk", "ru", "en"}, (name, links)
        for language, link in links.items():
            assert link.path == here.path, (name, language, link)
            assert parse_qs(link.query).get("lang") == [language], (name, language, link)
            assert _without_lang(link.query) == _without_lang(here.query), (name, language, link)


# --- helpers ----------------------------------------------------------------------------------------

def _in(url: str, language: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def _without_lang(query: str) -> dict:
    values = parse_qs(query)
    values.pop("lang", None)
    return values


def _api(site, path: str) -> dict:
    with urlopen(site.url + path, timeout=10) as response:
        return json.load(response)


def _kindergartens(site, locality: int, language: str | None) -> set[int]:
    query = {"locality": locality, "per_page": 100, **({"language": language} if language else {})}
    return {item["id"] for item in _api(site, f"/api/v1/kindergartens?{urlencode(query)}")["items"]}


def _locality_with_russian_kindergartens(site) -> tuple[int, set[int]]:
    """A locality whose Russian-teaching kindergartens are some, not all, of the registry."""
    everything = _api(site, "/api/v1/kindergartens?per_page=100")["total"]
    for locality in _api(site, "/api/v1/localities"):
        chosen = _kindergartens(site, locality["id"], "ru")
        if 0 < len(chosen) < everything:
            return locality["id"], chosen
    raise AssertionError("the demo district has no locality with Russian-teaching kindergartens")


def _published_bulletins(site, **filters) -> list[dict]:
    """Open bulletins, newest first (the API lists closed ones too; the page only open ones)."""
    found = _api(site, f"/api/v1/bulletins?{urlencode({**filters, 'per_page': 100})}")
    assert found["total"] <= 100, "more bulletins than one API page: widen the test"
    return [item for item in found["items"] if item["status"] == "published"]


def _bulletin_kindergartens(page) -> list[int]:
    rows = page.locator("#bulletin-rows tbody tr").all()
    return [int(re.search(r"/kindergartens/(\d+)", row.locator("a").first.get_attribute("href")).group(1))
            for row in rows]


def _kindergarten_ids(page) -> list[int]:
    links = page.locator("#kindergarten-rows a[href*='/kindergartens/']")
    return [int(m.group(1)) for link in links.all()
            if (m := re.search(r"/kindergartens/(\d+)", link.get_attribute("href") or ""))]


def _queue_numbers(page) -> list[str]:
    return [link.inner_text().strip() for link in page.locator("#queue-rows a[href*='/queue/lookup']").all()]


def _submit_lookup(page, query: str):
    form = page.locator("main form:has(input[name=q])").first
    form.locator("input[name=q]").fill(query)
    with page.expect_navigation() as navigation:
        form.locator("[type=submit]").click()
    return navigation.value


def _is_htmx_request(response, path: str) -> bool:
    return urlsplit(response.url).path == path and response.request.headers.get("hx-request") == "true"
