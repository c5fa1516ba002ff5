"""One URL, two renderings (STYLE.md rule 6): the full page normally; only the partial when htmx
asks for it, unless the request is boosted (a whole page swapped in) or a history restore."""
from flask import current_app, render_template, request

from ..services import policy


def init_app(app) -> None:
    app.after_request(_vary_on_htmx)
    app.add_template_global(has_endpoint)
    # The district's numbers for the sentences that state a rule ("… for 10 working days").
    app.add_template_global(policy.of, "district_policy")


def has_endpoint(endpoint: str) -> bool:
    """Whether a view exists: an office's menu lists its sections once, and shows those built."""
    return endpoint in current_app.view_functions


def wants_partial() -> bool:
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def page_or_partial(page: str, partial: str, status: int = 200, **context):
    """Render ``partial`` for an htmx request, ``page`` (which includes the partial) otherwise."""
    return render_template(partial if wants_partial() else page, **context), status


def _vary_on_htmx(response):
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response
