"""The lookup page explains how the position moved: the parts shown add up to each month's change."""
import re
from datetime import timedelta

from webapp.services import applications, clock
from webapp.services.actors import Actor


def test_a_withdrawal_ahead_shows_as_a_month_of_movement(client, site, session, factory):
    world = site.world
    last = world.by_tier["ordinary"][-1]
    before = client.get("/queue/lookup", query_string={"q": last.number, "lang": "en"}).get_data(as_text=True)
    ahead = world.by_tier["ordinary"][0]
    clock.advance(timedelta(days=40))  # next month
    applications.withdraw(session, ahead.id, Actor.of(ahead.child.parent), clock.now())
    factory.commit()
    after = client.get("/queue/lookup", query_string={"q": last.number, "lang": "en"}).get_data(as_text=True)
    position = lambda body: int(re.search(r"<strong>(\d+)</strong></h2>", body).group(1))  # noqa: E731
    assert position(after) == position(before) - 1
    assert "How the position moved" in after
    row = re.search(r"(\d+) → <strong>(\d+)</strong> \(([+-]\d+)\)</td>\s*<td[^>]*><ul class=\"parts\">(.*?)</ul>",
                    after, re.S)
    assert row, after
    start, end, change = int(row.group(1)), int(row.group(2)), int(row.group(3))
    parts = [int(x) for x in re.findall(r"<li>([+-]\d+) — ", row.group(4))]
    assert end - start == change == sum(parts) == -1
    assert "withdrew, aged out or were deactivated" in row.group(4)
