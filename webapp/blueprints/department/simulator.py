"""The policy simulator's pages: ask for a replay under another priority rule, watch its progress,
read the result beside what actually happened. The replay runs as a background job
(services.simulations, jobs.simulate_policy); these views only start it and show what it kept."""
from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ...extensions import db
from ...services import clock, simulations, tasks
from ...services.errors import InvalidInput
from ...web.rendering import page_or_partial
from . import bp
from .access import actor

# The chart's geometry, in SVG user units (about CSS pixels at 360 px): each tier's name above its
# two bars, so the chart stays readable on a phone.
CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LEGEND, LABEL = 250, 16, 4, 30, 20


class SimulationForm(FlaskForm):
    rule = RadioField(_l("Rule to try"), choices=[
        SelectChoice("ratio", _l("Another priority ratio k")),
        SelectChoice("strict", _l("Strict tiers: every extraordinary child, then every priority child, then the others")),
    ], default="ratio", validators=[InputRequired(_l("Choose a priority ratio or strict tiers."))])
    k = IntegerField(_l("Priority ratio k (0–10)"), validators=[
        Optional(), NumberRange(0, simulations.MAX_RATIO, _l("The ratio must be a whole number from 0 to 10."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own chain on an empty value; the ratio is needed only for "ratio".
        if valid and self.rule.data == "ratio" and self.k.data is None:
            self.k.errors = [_l("Enter the ratio to try, a whole number from 0 to 10.")]
            return False
        return valid


@bp.get("/simulations")
def list_simulations():
    return _list_page(SimulationForm(formdata=None))


@bp.post("/simulations")
def start_simulation():
    form = SimulationForm()
    if not form.validate_on_submit():
        return _list_page(form, 422)
    try:
        simulation = simulations.start(db.session, actor(), form.rule.data, form.k.data, clock.now())
    except InvalidInput as error:
        db.session.rollback()
        form.k.errors = [*form.k.errors, str(error)]
        return _list_page(form, 422)
    tasks.commit(db.session)  # without Redis the replay runs here, right after the commit
    return redirect(url_for("department.show_simulation", simulation_id=simulation.id), 303)


@bp.get("/simulations/<int:simulation_id>")
def show_simulation(simulation_id: int):
    simulation = simulations.get(db.session, actor(), simulation_id)
    outcome = simulation.outcome
    return page_or_partial("department/simulation.html", "department/_simulation.html",
                           simulation=simulation, outcome=outcome, chart=_chart(outcome))


def _list_page(form, status: int = 200):
    district = actor().district_id
    own = simulations.own_ratio(db.session, district)
    if form.k.data is None and status == 200:
        form.k.data = own
    return render_template("department/simulations.html", form=form, own_ratio=own,
                           simulations=simulations.listed(db.session, actor())), status


def _chart(outcome: dict | None) -> dict | None:
    """Bars of children placed per tier, actual beside simulated, in SVG user units."""
    if not outcome:
        return None
    rows = outcome["tiers"]
    most = max([1] + [row[side]["placed"] for row in rows for side in ("actual", "simulated")])
    groups, y = [], LEGEND
    for row in rows:
        label_y, y = y + LABEL - 6, y + LABEL
        bars = []
        for side in ("actual", "simulated"):
            placed = row[side]["placed"]
            bars.append({"side": side, "placed": placed, "y": y, "width": round(CHART_WIDTH * placed / most, 1)})
            y += BAR_HEIGHT + BAR_GAP
        groups.append({"tier": row["tier"], "y": label_y, "bars": bars})
        y += BAR_GAP * 2
    return {"groups": groups, "height": y, "bar_height": BAR_HEIGHT, "width": CHART_WIDTH + 50}

