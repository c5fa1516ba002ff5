"""The OpenAPI 3 document of ``/api/v1``, as Python data: the contract external clients rely on.

Limits come from params.py and enumerations from the models, so the document says what the code
does. tests/test_api_contract.py runs schemathesis against it.
"""
from ...models import STATUSES, TIERS, WAITING
from ...services.registry import PUBLIC_BULLETIN_STATUSES
from . import params as p

HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256, lowercase hex."}
INSTANT = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z."}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "integer", "minimum": 1, "maximum": p.MAX_ID}
LANGUAGE = {"type": "string", "enum": list(p.INSTRUCTION_LANGUAGES),
            "description": "Language of instruction: kk (Kazakh) or ru (Russian)."}
BIRTH_YEAR = {"type": "integer", "minimum": p.MIN_BIRTH_YEAR, "maximum": p.MAX_BIRTH_YEAR}
TIER = {"type": "string", "enum": list(TIERS)}
NAME = {"type": "string", "description": "In the language of the request (`lang`, else Accept-Language)."}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "additionalProperties": False, "required": list(properties),
              "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    return dict(schema, nullable=True)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(item: str) -> dict:
    return _object({"total": dict(COUNT, description="Number of items over all pages."),
                    "items": {"type": "array", "items": _ref(item)}})


KINDERGARTEN = {
    "id": ID,
    "name": NAME,
    "locality_id": ID,
    "address": {"type": "string"},
    "languages": {"type": "array", "items": LANGUAGE, "uniqueItems": True,
                  "description": "Languages of instruction."},
    "capacity": dict(COUNT, description="Sum of the capacities of its groups."),
    "free_places": dict(COUNT, description="Sum over its groups of capacity minus enrolled."),
    "queue_size": dict(COUNT, description=(
        "Children waiting (queued, invited or stop-listed) in the segments this kindergarten serves: "
        "applications of its locality whose language of instruction it teaches, all birth years. "
        "It is the demand around the kindergarten, not a count of applications that name it.")),
}
GROUP = {
    "id": ID, "name": {"type": "string"}, "birth_year": BIRTH_YEAR, "language": LANGUAGE,
    "capacity": COUNT, "enrolled": COUNT,
    "free_places": dict(COUNT, description="capacity − enrolled."),
}
AHEAD = _object({tier: COUNT for tier in TIERS}, "Waiting applications ahead, per tier.")
SEGMENT = _object({"locality_id": ID, "language": LANGUAGE, "birth_year": BIRTH_YEAR},
                  "Locality × language of instruction × birth year: the queue the application waits in.")

SCHEMAS = {
    "Error": _object({"error": _object({
        "code": {"type": "string", "description": "Stable, machine-readable."},
        "message": {"type": "string", "description": "For people, in the language of the request."},
    })}),
    "Locality": _object({"id": ID, "name": NAME}),
    "Kindergarten": _object(KINDERGARTEN),
    "KindergartenPage": _page_of("Kindergarten"),
    "Group": _object(GROUP),
    "KindergartenWithGroups": _object(dict(KINDERGARTEN, groups={"type": "array", "items": _ref("Group")})),
    "Bulletin": _object({
        "id": ID, "kindergarten_id": ID, "group_id": ID, "locality_id": ID, "language": LANGUAGE,
        "birth_year": BIRTH_YEAR, "places": COUNT,
        "free_places": dict(COUNT, description=(
            "Places not claimed by an invitation, response, referral or enrolment. Only a published "
            "bulletin still gives them out; a closed one gives out nothing more.")),
        "status": {"type": "string", "enum": list(PUBLIC_BULLETIN_STATUSES)},
        "published_at": INSTANT,
    }),
    "BulletinPage": _page_of("Bulletin"),
    "QueueEntry": _object({
        "position": {"type": "integer", "minimum": 1},
        "number": {"type": "string", "description": "Application number, e.g. GM-2026-000123."},
        "tier": TIER,
        "submitted_at": INSTANT,
        "status": {"type": "string", "enum": sorted(WAITING)},
        "child": {"type": "string", "pattern": r"^.?\. .?\.$",
                  "description": "Initials only, e.g. «А. С.»; never a full name or an IIN."},
    }),
    "QueuePage": _page_of("QueueEntry"),
    "Position": _object({
        "number": {"type": "string"},
        "position": _nullable({"type": "integer", "minimum": 1, "description": (
            "1-based place in the segment's queue; null when the application is not waiting.")}),
        "status": {"type": "string", "enum": list(STATUSES)},
        "tier": TIER,
        "submitted_at": INSTANT,
        "segment": SEGMENT,
        "ahead": _nullable(dict(AHEAD, description=(
            "How many waiting applications are ahead, per tier; they sum to position − 1. "
            "Null when the application is not waiting."))),
    }),
    "AuditRecord": _object({
        "seq": {"type": "integer", "minimum": 1},
        "at": INSTANT,
        "action": {"type": "string"},
        "application": _nullable({"type": "string", "description": "Application number, if any."}),
        "from": _nullable({"type": "string", "description": "Status before."}),
        "to": _nullable({"type": "string", "description": "Status after."}),
        "actor_role": {"type": "string"},
        "reason": {"type": "string"},
        "data": {"type": "object", "description": "Event details; no personal data."},
        "private_digest": dict(HASH, description="SHA-256 of a secret salt followed by the private details (actor, names, privilege): a commitment the department can prove, nobody can guess."),
        "prev_hash": HASH,
        "hash": dict(HASH, description="SHA-256(prev_hash + canonical JSON of the record without hash)."),
    }),
    "AuditFeed": _object({
        "items": {"type": "array", "items": _ref("AuditRecord")},
        "next_after_seq": _nullable({"type": "integer", "minimum": 1, "description": (
            "Pass as after_seq for the next records; null when the chain ends here.")}),
    }),
    "AuditHead": _object({
        "seq": dict(COUNT, description="0 for an empty chain."),
        "hash": dict(HASH, description="64 zeros for an empty chain."),
        "at": _nullable(dict(INSTANT, description="Time of the last event; null for an empty chain.")),
    }),
    "Checkpoint": _object({"day": {"type": "string", "format": "date"}, "seq": {"type": "integer", "minimum": 1},
                           "hash": HASH, "at": INSTANT}, "The chain head at the end of a local day."),
    "CheckpointPage": _page_of("Checkpoint"),
}


def _query(name: str, schema: dict, description: str, required: bool = False, example=None) -> dict:
    parameter = {"name": name, "in": "query", "required": required, "schema": schema,
                 "description": description}
    if example is not None:
        parameter["example"] = example
    return parameter


PARAMETERS = {
    "lang": _query("lang", {"type": "string", "enum": list(p.INTERFACE_LANGUAGES)},
                   "Language of names and error messages; overrides Accept-Language."),
    "AcceptLanguage": {"name": "Accept-Language", "in": "header", "required": False,
                       "schema": {"type": "string"}, "description": "Used when `lang` is not given."},
    "page": _query("page", {"type": "integer", "minimum": 1, "maximum": p.MAX_PAGE, "default": 1},
                   "1-based page number."),
    "per_page": _query("per_page", {"type": "integer", "minimum": 1, "maximum": p.MAX_PER_PAGE,
                                    "default": p.DEFAULT_PER_PAGE}, "Items per page."),
    "locality": _query("locality", ID, "Locality id.", example=1),
    "language": _query("language", LANGUAGE, "Language of instruction.", example="kk"),
    "birth_year": _query("birth_year", BIRTH_YEAR, "Birth year of the children.", example=2022),
}


def _use(*names: str) -> list[dict]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _required(name: str) -> dict:
    return dict(PARAMETERS[name], required=True)


def _error(description: str, **extra) -> dict:
    return dict({"description": description, "content": {"application/json": {"schema": _ref("Error")}}}, **extra)


RESPONSES = {
    "NotFound": _error("Not found."),
    "Invalid": _error("A query parameter is missing or malformed (code `invalid_parameter`)."),
    "RateLimited": _error(
        "Too many requests from this client (code `rate_limited`). One budget covers the whole API; "
        "the lookup has a stricter one of its own.",
        headers={"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}}),
}


def _operation(operation_id: str, summary: str, schema: dict, parameters: list, description: str = "",
               not_found: bool = False) -> dict:
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "422": {"$ref": "#/components/responses/Invalid"},
        "429": {"$ref": "#/components/responses/RateLimited"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    operation = {"operationId": operation_id, "summary": summary,
                 "parameters": parameters + _use("lang", "AcceptLanguage"), "responses": responses}
    if description:
        operation["description"] = description
    return {"get": operation}


PATHS = {
    "/openapi.json": _operation("getOpenApi", "This document", {"type": "object"}, []),
    "/localities": _operation("listLocalities", "Localities", {"type": "array", "items": _ref("Locality")}, []),
    "/kindergartens": _operation(
        "listKindergartens", "Kindergartens, by id", _ref("KindergartenPage"),
        _use("locality", "language", "page", "per_page"),
        "`language` keeps the kindergartens that teach in it; capacity, free places and queue size "
        "are those of the whole kindergarten."),
    "/kindergartens/{id}": _operation(
        "getKindergarten", "One kindergarten and its groups", _ref("KindergartenWithGroups"),
        [{"name": "id", "in": "path", "required": True, "schema": ID, "example": 1}],
        "404 when there is no such kindergarten, or the id is not a positive whole number.",
        not_found=True),
    "/bulletins": _operation(
        "listBulletins", "Bulletins of free places, newest first", _ref("BulletinPage"),
        _use("locality", "language", "birth_year", "page", "per_page"),
        "Published and closed bulletins only; drafts are never public."),
    "/queue": _operation(
        "getQueue", "One segment's queue, in position order", _ref("QueuePage"),
        [_required("locality"), _required("language"), _required("birth_year")] + _use("page", "per_page"),
        "Waiting applications (queued, invited, stop-listed) of the segment. Extraordinary first, then "
        "priority and ordinary interleaved by the district's ratio. 404 when the locality is unknown.",
        not_found=True),
    "/queue/lookup": _operation(
        "lookupPosition", "Where is an application in its queue", _ref("Position"),
        [_query("q", {"type": "string", "minLength": 1, "maxLength": 64,
                      "pattern": "^\\s*([0-9]{12}|[A-Za-z]{1,8}-[0-9]{4}-[0-9]{6,9})\\s*$"},
                "An application number (e.g. GM-2026-000123) or a child's 12-digit IIN.",
                required=True, example="GM-2026-000001")],
        "By IIN, the child's current application. For an application that is not waiting (responded, "
        "referred, inactive, enrolled, withdrawn, aged out) `position` and `ahead` are null. "
        "422 (code `invalid_query`) for anything that is neither a number nor an IIN; 404 when no "
        "application matches. Has a stricter rate limit of its own.",
        not_found=True),
    "/audit/events": _operation(
        "listAuditEvents", "The public audit chain, in seq order", _ref("AuditFeed"),
        [_query("after_seq", {"type": "integer", "minimum": 0, "maximum": p.MAX_ID, "default": 0},
                "Return events with seq greater than this."),
         _query("limit", {"type": "integer", "minimum": 1, "maximum": p.MAX_AUDIT_LIMIT,
                          "default": p.DEFAULT_AUDIT_LIMIT}, "At most this many events.")],
        "Each record is hashed as hash = SHA-256(prev_hash + canonical_json(record without hash)), "
        "canonical JSON being sorted keys, no spaces, UTF-8; the first prev_hash is 64 zeros."),
    "/audit/head": _operation("getAuditHead", "The chain head", _ref("AuditHead"), []),
    "/audit/checkpoints": _operation(
        "listAuditCheckpoints", "Daily chain heads, oldest first", _ref("CheckpointPage"),
        _use("page") + [dict(PARAMETERS["per_page"], schema=dict(PARAMETERS["per_page"]["schema"],
                                                                  default=p.MAX_PER_PAGE))]),
}

DESCRIPTION = """\
Kezek's public, read-only API: the registry of kindergartens, bulletins of free places, the queues
and the audit chain. No login; JSON in UTF-8; rate-limited per client.

* Errors are always `{"error": {"code": "...", "message": "..."}}` with status 404, 422 or 429.
* Lists with `page` (1-based) and `per_page` (at most 100) answer `{total, items}`.
* `name` fields follow `lang` (kk, ru, en), else the Accept-Language header.
* Instants are ISO 8601 in UTC with a Z; `language` is kk or ru; `tier` is extraordinary, priority or
  ordinary. A child is shown only by initials, never by name or IIN.
"""

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Kezek public API", "version": "1", "description": DESCRIPTION},
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES},
}
