"""What a visitor on a cheap phone and a slow link downloads (DESIGN §12): the first load of every
public page — HTML plus every stylesheet and script it links, as compressed on the wire — fits
30 KB; an htmx partial fits 5 KB; static files are fingerprinted and cached for a year; every HTML
response carries the security headers and ``Vary: HX-Request``.

Run with ``-s`` to see each page's figure. The district is the demo seeder's (300 applications)."""
import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from .e2e import district as demo_district

KB = 1024
FIRST_LOAD_BUDGET = 30 * KB
PARTIAL_BUDGET = 5 * KB
YEAR = 365 * 24 * 3600
GZIP = {"Accept-Encoding": "gzip"}
COMPRESSED = ("gzip", "br")
HTMX = {"HX-Request": "true"}
FINGERPRINT = re.compile(r"(?:[?&]v=[0-9a-f]{8,}(?:&|$))|(?:[.-][0-9a-f]{8,}\.(?:css|js)(?:\?|$))")


@pytest.fixture
def district(session):
    demo_district.seed(session)
    return demo_district.describe(session)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_page_loads_within_30_kb_compressed(client, district, backend, language):
    figures, problems = [], []
    for name, page_url in district.urls().items():
        url = f"{page_url}{'&' if '?' in page_url else '?'}lang={language}"
        html = _get(client, url, headers=GZIP)
        assert html.status_code == 200, (url, html.status_code)
        total = _wire_size(html, url, problems)
        assets = _assets(_text(html))
        for asset in assets:
            response = _get(client, asset, headers=GZIP)
            assert response.status_code == 200, (url, asset, response.status_code)
            total += _wire_size(response, asset, problems)
        figures.append((name, url, len(html.get_data()), total, len(assets)))
        if total > FIRST_LOAD_BUDGET:
            problems.append(f"{url}: first load {total} bytes > {FIRST_LOAD_BUDGET}")
    print(f"\nfirst load, compressed, {backend}, {language} (bytes: HTML / HTML + CSS + JS):")
    for name, url, html_bytes, total, count in figures:
        print(f"  {name:14} {html_bytes:6d} / {total:6d}  ({count} assets)  {url}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(demo_district.PARTIALS))
def test_htmx_route_gives_the_page_plainly_and_the_partial_to_htmx(client, district, name):
    url, root_id = district.urls()[name], demo_district.PARTIALS[name]
    plain = _get(client, url, headers=GZIP)
    partial = _get(client, url, headers={**GZIP, **HTMX})
    assert plain.status_code == partial.status_code == 200
    page_html, partial_html = _text(plain), _text(partial)
    assert "<html" in page_html and f'id="{root_id}"' in page_html
    assert "<html" not in partial_html and "<body" not in partial_html
    assert _root_id(partial_html) == root_id, f"{url}: the partial's root element is not #{root_id}"
    assert _links(partial_html), f"{url}: the partial has no rows with links"
    assert _squeeze(partial_html) in _squeeze(page_html), f"{url}: the partial differs from the page's rows"
    size = len(partial.get_data())
    encoding = partial.headers.get("Content-Encoding", "identity")
    print(f"\npartial {url} with HX-Request: {size} bytes ({encoding})")
    assert size <= PARTIAL_BUDGET, f"{url}: htmx partial {size} bytes > {PARTIAL_BUDGET}"
    for response in (plain, partial):
        assert "HX-Request" in response.vary, (url, response.headers.get("Vary"))


def test_boosted_requests_and_history_restores_get_the_whole_page(client, district):
    url = district.urls()["kindergartens"]
    for headers in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = _get(client, url, headers={**HTMX, **headers})
        assert response.status_code == 200 and "<html" in _text(response), headers


def test_every_html_page_sends_the_security_headers(client, district):
    problems = []
    for url in district.urls().values():
        headers = _get(client, url).headers
        policy = headers.get("Content-Security-Policy", "")
        checks = {
            "Vary has HX-Request": "hx-request" in headers.get("Vary", "").lower(),
            "a Content-Security-Policy": bool(policy),
            "no 'unsafe-inline'": "unsafe-inline" not in policy,
            "frame-ancestors 'none'": "frame-ancestors 'none'" in policy,
            "X-Content-Type-Options: nosniff": headers.get("X-Content-Type-Options") == "nosniff",
            "a Referrer-Policy": bool(headers.get("Referrer-Policy")),
            "text/html; charset=utf-8": headers.get("Content-Type", "").lower() == "text/html; charset=utf-8",
        }
        problems += [f"{url}: lacks {what}" for what, ok in checks.items() if not ok]
    assert not problems, "\n".join(problems)


def test_static_files_are_fingerprinted_and_cached_for_a_year(client, district):
    checked = set()
    for url in district.urls().values():
        assets = _assets(_text(_get(client, url, headers=GZIP)))
        paths = [urlsplit(asset).path for asset in assets]
        assert any(p.endswith(".css") for p in paths), f"{url}: no stylesheet linked: {assets}"
        assert any("htmx" in p and p.endswith(".js") for p in paths), f"{url}: htmx is not linked: {assets}"
        for asset in set(assets) - checked:
            checked.add(asset)
            assert urlsplit(asset).path.startswith("/static/"), f"{asset}: not served from /static"
            assert FINGERPRINT.search(asset), f"{asset}: no fingerprint in the URL"
            response = _get(client, asset, headers=GZIP)
            cache = response.cache_control
            assert (cache.max_age or 0) >= YEAR and not cache.no_cache and not cache.no_store, \
                f"{asset}: Cache-Control {response.headers.get('Cache-Control')!r}"
            assert response.headers.get("X-Content-Type-Options") == "nosniff", asset


# --- helpers ----------------------------------------------------------------------------------------

def _get(client, url: str, headers: dict | None = None):
    """The response read whole and closed (a static file's handle is released on close)."""
    response = client.get(url, headers=headers or {})
    response.get_data()
    response.close()
    return response


def _wire_size(response, url: str, problems: list) -> int:
    """Bytes of the body as sent; a page, stylesheet or script sent uncompressed is a problem."""
    encoding = response.headers.get("Content-Encoding")
    if response.mimetype in ("text/html", "text/css", "text/javascript", "application/javascript") \
            and encoding not in COMPRESSED:
        problems.append(f"{url}: {response.mimetype} sent with Content-Encoding {encoding!r}, not gzip or br")
    return len(response.get_data())


def _text(response) -> str:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    return body.decode("utf-8")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets, self.links, self.first = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.first is None:
            self.first = (tag, attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _assets(html: str) -> list[str]:
    return _parse(html).assets


def _links(html: str) -> list[str]:
    return _parse(html).links


def _root_id(html: str) -> str | None:
    first = _parse(html).first
    return first[1].get("id") if first else None


def _squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()
