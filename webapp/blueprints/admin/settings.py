"""System settings of the senders: the SMS sender name and gateway address, the mail From address and
the fallback Reply-To. Secrets are not here: the page shows only whether they are set."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services import clock, system_settings, tasks
from ...services.errors import InvalidInput
from . import bp
from .access import actor
from .forms import SettingsForm


@bp.route("/settings", methods=["GET", "POST"])
def edit_settings():
    entries = system_settings.entries(db.session, actor(), current_app.config)
    form = SettingsForm(data={entry.item.key: entry.stored or "" for entry in entries})
    if form.validate_on_submit():
        values = {key: getattr(form, key).data for key in system_settings.KEYS}
        try:
            changed = system_settings.update(db.session, actor(), values, clock.now())
        except InvalidInput as error:
            db.session.rollback()
            getattr(form, getattr(error, "field", system_settings.KEYS[0])).errors.append(str(error))
            return _page(form, entries, 422)
        tasks.commit(db.session)
        flash(_("The settings are saved; the next message sent uses them.") if changed
              else _("Nothing was changed."))
        return redirect(url_for("admin.edit_settings"), 303)
    return _page(form, entries, 422 if form.errors else 200)


def _page(form, entries, status: int):
    config = current_app.config
    return render_template("admin/settings.html", form=form, entries=entries,
                           secrets=system_settings.secrets_set(config), sms_backend=config.get("SMS_BACKEND"),
                           smtp_host=config.get("SMTP_HOST")), status
