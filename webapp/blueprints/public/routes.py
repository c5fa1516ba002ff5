"""Routes of the public site: read the GET form, call one read service, render the page (or its
htmx partial). Nothing here writes."""
import csv
import io

from flask import Response, current_app, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...services import (catalogue, clock, district_overview, kindergarten_profile, lookup,
                         position_report, referral_check, transparency)
from ...services.errors import DomainError
from ...services.queue import Segment
from ...web.languages import current as language
from ...web.rendering import page_or_partial
from . import bp, filters

PER_PAGE = 20
QUEUE_PER_PAGE = 50
CSV_BATCH = 500


def _lookup_limit() -> str:
    return current_app.config["RATELIMIT_LOOKUP"]


@bp.get("/")
def show_home():
    return render_template("public/home.html", totals=district_overview.totals(db.session))


@bp.get("/kindergartens")
def list_kindergartens():
    return _filtered_list(catalogue.kindergartens, "public/kindergartens.html", "public/_kindergarten_rows.html")


@bp.get("/kindergartens/<int:kindergarten_id>")
def show_kindergarten(kindergarten_id: int):
    card = kindergarten_profile.profile(db.session, kindergarten_id, language())
    return render_template("public/kindergarten.html", kindergarten=card)


@bp.get("/bulletins")
def list_bulletins():
    return _filtered_list(catalogue.bulletins, "public/bulletins.html", "public/_bulletin_rows.html")


@bp.get("/queue")
@limiter.limit(_lookup_limit)
def show_queue():
    chosen = filters.read(request.args)
    total, items = 0, []
    if chosen.valid and chosen.segment_chosen:
        segment = Segment(chosen.locality, chosen.language, chosen.birth_year)
        total, items = lookup.queue_page(db.session, segment, chosen.page, QUEUE_PER_PAGE)
    return page_or_partial("public/queue.html", "public/_queue_rows.html",
                           status=200 if chosen.valid else 422, **_choices(), chosen=chosen,
                           total=total, items=items, per_page=QUEUE_PER_PAGE)


@bp.get("/queue.csv")
@limiter.limit(_lookup_limit)
def download_queue():
    chosen = filters.read(request.args)
    if not (chosen.valid and chosen.segment_chosen):
        return render_template("public/queue.html", **_choices(), chosen=chosen, total=0, items=[],
                               per_page=QUEUE_PER_PAGE, csv_refused=True), 422
    segment = Segment(chosen.locality, chosen.language, chosen.birth_year)
    name = f"queue-{segment.locality_id}-{segment.language}-{segment.birth_year}.csv"
    return Response(stream_with_context(_queue_csv(segment)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/queue/lookup")
@limiter.limit(_lookup_limit)
def lookup_position():
    query = request.args.get("q", "").strip()
    if not query:
        return render_template("public/lookup.html", query="", found=None, problem=None)
    try:
        found = position_report.report(db.session, query[:64], clock.now())
    except DomainError as error:
        return render_template("public/lookup.html", query=query[:64], found=None,
                               problem=str(error)), error.http_status
    if query != found["number"]:  # an IIN (or a lower-case number): keep only the number in the URL
        return redirect(url_for("public.lookup_position", q=found["number"]), 303)
    return render_template("public/lookup.html", query=query, found=found, problem=None)


@bp.get("/transparency")
def show_transparency():
    return render_template("public/transparency.html", summary=transparency.summary(db.session, language()))


@bp.get("/verify/<token>")
@limiter.limit(_lookup_limit)
def verify_referral(token: str):
    return render_template("public/verify.html", referral=referral_check.check(db.session, token, clock.now()))


# --- helpers --------------------------------------------------------------------------------------

def _filtered_list(read_page, page: str, partial: str):
    """A catalogue list filtered by locality, language and birth year: the page, or its rows for htmx."""
    chosen = filters.read(request.args)
    total, items = read_page(db.session, language(), chosen.locality, chosen.language, chosen.birth_year,
                             chosen.page, PER_PAGE)
    return page_or_partial(page, partial, status=200 if chosen.valid else 422, **_choices(), chosen=chosen,
                           total=total, items=items, per_page=PER_PAGE)


def _choices() -> dict:
    return {"localities": catalogue.locality_names(db.session, language()),
            "birth_years": [(year, year) for year in catalogue.birth_years(db.session)]}


def _queue_csv(segment: Segment):
    """The whole segment, page by page, as CSV: the same columns as the page, nothing more."""
    header = [_("Position"), _("Application"), _("Child"), _("Submitted"), _("Tier"), _("Status")]
    yield _csv_line(header)
    page = 1
    while True:
        total, items = lookup.queue_page(db.session, segment, page, CSV_BATCH)
        for item in items:
            yield _csv_line([item["position"], item["number"], item["child"],
                             clock.iso(item["submitted_at"]), item["tier"], item["status"]])
        if page * CSV_BATCH >= total or not items:
            return
        page += 1


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()
