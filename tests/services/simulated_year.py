"""A small year of a district's history, made through the real services, for the policy simulator.

Six children (three ordinary, two priority, one extraordinary; every privilege verified by the
department), two kindergartens and three bulletins. What happens, with k = 1 (E…, P₁, O₁, P₂, O₂…):

- bulletin 1 (kindergarten A, 2 places): E1 and P1 are invited; E1 takes the place and is enrolled;
  P1 declines (stop-list), and the place goes to O1; kindergarten A turns O1's response down, O1
  returns with its date and is invited again, then enrolled;
- bulletin 2 (kindergarten B, 1 place): the waiting line is P1 (on the stop-list), O2, P2, O3, so O2 is
  invited and lets the deadline pass (the sweep puts it on the stop-list); the place goes to P2, who
  is enrolled (O3 wants kindergarten B only, but is behind);
- the stop-lists end; bulletin 3 (kindergarten A, 1 place): P1 is invited again and enrolled.
Placed: E1, O1, P2, P1. Still waiting: O2 and O3.
"""
from datetime import datetime, timedelta, timezone

from webapp.services import clock, invitations, privileges, referrals, sweep

START = datetime(2026, 1, 12, 4, 0, tzinfo=timezone.utc)  # a Monday, 09:00 in Almaty


def categories(factory) -> None:
    factory.privilege("disability", "extraordinary")
    factory.privilege("large_family", "priority")


def later(hours: float = 2) -> None:
    clock.advance(timedelta(hours=hours))


def build_year(world) -> dict:
    """The history above; returns the applications by name and the bulletins."""
    clock.set(START)
    _, group_b = world.kindergarten_with_group("Балапан")
    a = {}
    for name in ("O1", "O2", "O3"):
        a[name] = world.submit(kindergartens=[group_b.kindergarten] if name == "O3" else ())
        later()
    for name, code in (("P1", "large_family"), ("P2", "large_family"), ("E1", "disability")):
        a[name] = world.submit(privileges=[code])
        later()
    world.commit()
    for name in ("P1", "P2", "E1"):
        privileges.verify_claim(world.session, a[name].claims[0].id, world.department, clock.now())
        world.commit()
        later()
    later(24)
    bulletin_1 = world.bulletin(places=2)  # E1 and P1
    later()
    _place(world, a["E1"])
    _act(world, lambda: invitations.decline(world.session, a["P1"].id, world.actor_of(a["P1"]), clock.now()))
    _act(world, lambda: invitations.respond(world.session, a["O1"].id, world.actor_of(a["O1"]), clock.now()))
    _act(world, lambda: referrals.reject(world.session, a["O1"].id, world.staff, clock.now(), "age_mismatch"))
    _place(world, a["O1"])  # invited again at once, with its original date
    later(24)
    bulletin_2 = world.bulletin(places=1, group=group_b)  # O2
    clock.advance(timedelta(days=6))  # past O2's three working days
    sweep.run(world.session, clock.now())  # O2 on the stop-list; the place goes to P2
    later()
    _place(world, a["P2"], staff=world.staff_of(group_b.kindergarten))
    clock.advance(timedelta(days=20))
    sweep.run(world.session, clock.now())  # both stop-lists end
    later()
    bulletin_3 = world.bulletin(places=1)  # P1, the second time
    later()
    _place(world, a["P1"])
    later(24)
    return {"applications": a, "bulletins": (bulletin_1, bulletin_2, bulletin_3)}


def _act(world, step) -> None:
    step()
    world.commit()
    later()


def _place(world, application, staff=None) -> None:
    """Respond, be activated and enrolled, each step a little later."""
    staff = staff or world.staff
    parent = world.actor_of(application)
    _act(world, lambda: invitations.respond(world.session, application.id, parent, clock.now()))
    _act(world, lambda: referrals.activate(world.session, application.id, staff, clock.now()))
    _act(world, lambda: referrals.enrol(world.session, application.id, staff, clock.now()))
