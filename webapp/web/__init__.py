"""What every HTML page shares: the language, static assets, compression, headers and the rule that
picks a full page or an htmx partial. Bound to the app by ``init_app`` in create_app()."""
from . import assets, formats, labels, languages, rendering, security


def init_app(app) -> None:
    languages.init_app(app)
    assets.init_app(app)
    labels.init_app(app)
    formats.init_app(app)
    rendering.init_app(app)
    security.init_app(app)
