"""The visitor's language: ``?lang=``, then the ``lang`` cookie, then the account's choice, then
``Accept-Language``, then the district default. A ``?lang=`` on a page is remembered in a cookie (not
in the session: an anonymous visitor gets no session cookie, so public pages stay cacheable)."""
from flask import current_app, has_request_context, request, url_for
from flask_babel import refresh

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def init_app(app) -> None:
    # Flask-Babel caches the locale on ``g``; a request inside a longer app context (tests, the
    # CLI's test client) must choose again.
    app.before_request(refresh)
    app.after_request(_remember_choice)
    app.jinja_env.globals.update(language_links=language_links, current_language=current)


def select() -> str:
    """Flask-Babel's locale selector."""
    from flask_login import current_user

    if not has_request_context():  # CLI, jobs, the sweep: the configured language
        return current_app.config["DEFAULT_LANGUAGE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    cookie = request.cookies.get(COOKIE)
    if cookie in languages:
        return cookie
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]


def current() -> str:
    from flask_babel import get_locale

    return str(get_locale())


def language_links() -> list[dict]:
    """The switch on every page: the same URL (path and query) in each language."""
    args = request.args.to_dict(flat=False)
    endpoint = request.endpoint or "public.show_home"
    view_args = dict(request.view_args or {})
    here = current()
    links = []
    for code in current_app.config["LANGUAGES"]:
        args["lang"] = [code]
        try:
            href = url_for(endpoint, **view_args, **args)
        except Exception:  # noqa: BLE001 - an error page without a routable endpoint: go home
            href = url_for("public.show_home", lang=code)
        links.append({"code": code, "name": NAMES[code], "href": href, "current": code == here})
    return links


def _remember_choice(response):
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and not request.path.startswith("/api/"):
        if request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=request.is_secure, httponly=True)
    if not request.path.startswith(("/api/", "/static/")):
        response.vary.update(("Cookie", "Accept-Language"))
    return response
