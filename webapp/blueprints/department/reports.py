"""The district's reports: an index, then one page per report with its table, a small SVG chart and
the same figures as CSV (``?format=csv``). The figures come from services.reports; this module only
lays them out (web.report_tables) and renders."""
import csv
import io

from flask import Response, abort, render_template, request

from ...extensions import db
from ...services import clock
from ...web import report_tables
from . import bp
from .access import actor


@bp.get("/reports")
def list_reports():
    return render_template("department/reports.html", reports=report_tables.REPORTS)


@bp.get("/reports/<name>")
def show_report(name: str):
    if name not in report_tables.REPORTS:
        abort(404)
    now = clock.now()
    table = report_tables.build(name, db.session, actor().district_id, now)
    if request.args.get("format") == "csv":
        return _csv(name, table, now)
    return render_template("department/report.html", name=name, report=report_tables.REPORTS[name], table=table)


def _csv(name: str, table: "report_tables.Table", now) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte order mark: Excel then reads the Cyrillic and Kazakh letters right
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.csv_rows)
    filename = f"{name}-{now:%Y-%m-%d}.csv"
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
