"""Children on two accounts that no district could be found for (neither the child nor either
account has an application yet): the administration decides them on the department's own pages."""
from ..department.duplicates import decide, dispute_page
from . import bp

ADMINISTRATION = {"blueprint": "admin", "layout": "admin/_layout.html"}


@bp.get("/duplicates")
def list_duplicates():
    return dispute_page(ADMINISTRATION, {}, 200)


@bp.post("/duplicates/<int:dispute_id>")
def resolve_duplicate(dispute_id: int):
    return decide(ADMINISTRATION, dispute_id)
