"""Every cabinet page of the demo parent, first load compressed (HTML + CSS + JS) ≤ 30 KB, in
Kazakh and Russian, with the security headers."""
import pytest
from sqlalchemy import select

from webapp.demo.district import ACCOUNTS
from webapp.models import Application, Child, User

from ..e2e import district as demo_district
from ..test_page_weight import FIRST_LOAD_BUDGET, GZIP, _assets, _get, _text, _wire_size
from .conftest import log_in


@pytest.fixture
def demo_parent_urls(session):
    demo_district.seed(session)
    parent = session.scalar(select(User).where(User.phone == ACCOUNTS["parent"][0]))
    rows = session.execute(select(Application.id, Application.status, Child.id)
                           .join(Child, Child.id == Application.child_id).where(Child.parent_id == parent.id)).all()
    urls = ["/cabinet/", "/cabinet/children/new", "/cabinet/inbox", f"/cabinet/children/{rows[0][2]}",
            f"/cabinet/children/{rows[0][2]}/apply"]
    for application_id, status, _ in rows:
        urls += [f"/cabinet/applications/{application_id}", f"/cabinet/applications/{application_id}/withdraw"]
        if status in ("invited", "referred"):
            urls.append(f"/cabinet/applications/{application_id}/decline")
    return urls


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_cabinet_page_loads_within_30_kb_compressed(client, demo_parent_urls, language):
    assert log_in(client, ACCOUNTS["parent"][0], ACCOUNTS["parent"][1]).status_code == 303
    problems, figures = [], []
    for page_url in demo_parent_urls:
        url = f"{page_url}?lang={language}"
        html = _get(client, url, headers=GZIP)
        assert html.status_code == 200, (url, html.status_code)
        assert "Content-Security-Policy" in html.headers
        total = _wire_size(html, url, problems)
        for asset in _assets(_text(html)):
            total += _wire_size(_get(client, asset, headers=GZIP), asset, problems)
        figures.append((url, total))
        if total > FIRST_LOAD_BUDGET:
            problems.append(f"{url}: first load {total} bytes > {FIRST_LOAD_BUDGET}")
    print("\n".join(f"  {total:6d}  {url}" for url, total in figures))
    assert not problems, "\n".join(problems)
