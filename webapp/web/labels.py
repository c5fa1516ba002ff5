"""Words the pages show for the engine's codes (tiers, languages of instruction, statuses,
ownership, audit actions), translated lazily into the visitor's language."""
from flask_babel import lazy_gettext as _l

from ..services.corrections import is_correction
from ..services.movement import PART_LABELS as MOVEMENT_PARTS
from ..services.transitions import STATUS_LABELS

TIERS = {
    "extraordinary": _l("extraordinary right"),
    "priority": _l("priority right"),
    "ordinary": _l("no privilege"),
}
TEACHING_LANGUAGES = {"kk": _l("Kazakh"), "ru": _l("Russian")}
OWNERSHIP = {"state": _l("state"), "private_state_order": _l("private, with a state order")}
REFERRAL_STATES = {
    "valid": _l("valid"), "used": _l("used: the child has been enrolled"),
    "expired": _l("expired"), "cancelled": _l("cancelled"),
}
BULLETIN_STATUSES = {
    "draft": _l("draft"), "published": _l("published"), "closed": _l("closed"), "withdrawn": _l("withdrawn"),
}
SEAT_STATES = {
    "reserved": _l("reserved: invited, waiting for the response"), "held": _l("held: responded, waiting for activation"),
    "referred": _l("referred: waiting for the contract"), "filled": _l("filled: enrolled"), "released": _l("released"),
}
SEAT_RELEASES = {
    "expired": _l("deadline missed"), "declined": _l("declined by the parent"), "rejected": _l("response rejected"),
    "cancelled": _l("referral cancelled"), "moved": _l("moved to another bulletin"), "withdrawn": _l("application withdrawn"),
    "aged_out": _l("school age"),
}

ACTIONS = {
    "application.submitted": _l("Application submitted"),
    "application.tier_changed": _l("Privilege checked: the right changed"),
    "privilege.verified": _l("Privilege checked: verified, the right is unchanged"),
    "privilege.rejected": _l("Privilege checked: rejected"),
    "interest.confirmed": _l("Interest confirmed for the year"),
    "invitation.created": _l("Invited: a place was reserved"),
    "invitation.responded": _l("Response to the bulletin sent"),
    "invitation.declined": _l("Invitation declined"),
    "invitation.expired": _l("No response in time"),
    "response.activated": _l("Referral issued by the kindergarten"),
    "response.rejected": _l("Response rejected by the kindergarten"),
    "referral.extended": _l("Referral extended"),
    "referral.declined": _l("Referral declined"),
    "referral.expired": _l("Contract not concluded in time"),
    "stop_list.ended": _l("Stop-list ended"),
    "application.enrolled": _l("Enrolled: contract concluded"),
    "application.deactivated": _l("Deactivated: interest not confirmed by 1 October"),
    "application.aged_out": _l("Left the queue: school age"),
    "application.withdrawn": _l("Withdrawn"),
    "distribution.run": _l("Distribution of free places"),
    "bulletin.published": _l("Bulletin published"),
    "bulletin.closed": _l("Bulletin closed"),
    "bulletin.withdrawn": _l("Bulletin withdrawn"),
    "bulletin.places_withdrawn": _l("Unclaimed places withdrawn from a bulletin"),
    "referral.no_show": _l("Referral cancelled: no contract"),
    "group.created": _l("Group created"),
    "group.changed": _l("Group changed"),
    "group.deactivated": _l("Group deactivated"),
    "group.reactivated": _l("Group reactivated"),
    "kindergarten.created": _l("Kindergarten created"),
    "kindergarten.updated": _l("Kindergarten changed"),
    "kindergarten.deactivated": _l("Kindergarten deactivated"),
    "kindergarten.reactivated": _l("Kindergarten reactivated"),
    "locality.created": _l("Locality created"),
    "locality.updated": _l("Locality changed"),
    "locality.deactivated": _l("Locality deactivated"),
    "locality.reactivated": _l("Locality reactivated"),
    "child_dispute.opened": _l("A child registered by a second account"),
    "child_dispute.resolved": _l("Child on two accounts: decided by the department"),
    "calendar.override_added": _l("Calendar: the department changed a day"),
    "calendar.override_removed": _l("Calendar: the department's change of a day removed"),
    "district.policy_changed": _l("The district's policy changed"),
    "district.created": _l("District created"),
    "district.changed": _l("District changed"),
    "policy.simulation_started": _l("Policy simulation started"),
    "account.created": _l("Office account created"),
    "account.blocked": _l("Office account blocked"),
    "account.unblocked": _l("Office account unblocked"),
    "account.password_reset_sent": _l("Office account: password code sent"),
    "settings.changed": _l("System settings changed"),
    "notification.resent": _l("Message sent again"),
}


# Why the department rejected a privilege claim: the parent sees it; the claim stores the code (and
# the operator's note after a line break), the public audit event only says "privilege rejected".
CLAIM_REJECTIONS = {
    "document_unreadable": _l("The document is missing or cannot be read"),
    "document_mismatch": _l("The document is not about this child or parent"),
    "document_expired": _l("The document has expired"),
    "other_category": _l("The document proves a different privilege"),
    "other": _l("Another reason (explained in the note)"),
}


def claim_rejection(stored: str) -> tuple[str, str]:
    """(reason, note) of a rejected claim as the parent reads them; an older free-text reason is
    shown as it was written."""
    code, _, note = (stored or "").partition("\n")
    return (str(CLAIM_REJECTIONS[code]), note) if code in CLAIM_REJECTIONS else (stored or "", "")


def action_label(code: str) -> str:
    return ACTIONS.get(code) or code


def translated(mapping: dict) -> dict:
    """The labels of ``mapping`` translated once, for a table that shows them on every row."""
    return {code: str(label) for code, label in mapping.items()}


def init_app(app) -> None:
    app.jinja_env.globals.update(
        TIERS=TIERS, TEACHING_LANGUAGES=TEACHING_LANGUAGES, STATUSES=STATUS_LABELS,
        OWNERSHIP=OWNERSHIP, REFERRAL_STATES=REFERRAL_STATES, MOVEMENT_PARTS=MOVEMENT_PARTS,
        BULLETIN_STATUSES=BULLETIN_STATUSES, SEAT_STATES=SEAT_STATES, SEAT_RELEASES=SEAT_RELEASES,
        action_label=action_label, translated=translated, is_correction=is_correction,
        claim_rejection=claim_rejection,
    )
