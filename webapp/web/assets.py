"""Static files under fingerprinted URLs (``/static/css/site.css?v=<hash>``) with a year's cache:
a changed file gets a new URL, so a phone downloads each version of the stylesheet and htmx once."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, request, url_for

YEAR = 365 * 24 * 3600
HTMX = "vendor/htmx-2.0.11/htmx.min.js"


def init_app(app) -> None:
    app.jinja_env.globals.update(asset_url=asset_url, htmx_url=lambda: asset_url(HTMX))
    app.after_request(_cache_forever)


def asset_url(filename: str) -> str:
    return url_for("static", filename=filename, v=_fingerprint(current_app.static_folder, filename))


@lru_cache(maxsize=64)
def _fingerprint(folder: str, filename: str) -> str:
    # The files do not change while a process runs (a deploy restarts it), so once is enough.
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]


def _cache_forever(response):
    if request.endpoint == "static" and response.status_code == 200:
        if request.args.get("v"):
            response.cache_control.no_cache = None  # send_file's default would revalidate every time
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        # Read whole: a streamed file would be compressed with fewer algorithms (no gzip).
        response.direct_passthrough = False
        response.set_data(response.get_data())
    return response
