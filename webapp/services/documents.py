"""Documents behind a privilege claim: a PDF, JPEG or PNG, recognised by its first bytes (never by
the name or the browser's word), size-limited, stored under a random name outside ``static/`` and
read back only through a route that checks who asks."""
import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .errors import InvalidInput, NotFound

SIGNATURES = (  # first bytes → (kind, extension, Content-Type)
    (b"%PDF-", ("pdf", "pdf", "application/pdf")),
    (b"\xff\xd8\xff", ("jpeg", "jpg", "image/jpeg")),
    (b"\x89PNG\r\n\x1a\n", ("png", "png", "image/png")),
)
CONTENT_TYPES = {extension: content_type for _, (_, extension, content_type) in SIGNATURES}


def sniff(head: bytes) -> tuple[str, str, str] | None:
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def read_limited(stream, max_bytes: int) -> bytes:
    """At most max_bytes from ``stream``; a longer file is refused without reading all of it."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidInput(_l("The document is too large: at most %(mb)s MB."), mb=max_bytes // (1024 * 1024))
    if not data:
        raise InvalidInput(_l("The document is empty."))
    return data


def store(folder: str | Path, data: bytes) -> str:
    """Write the document under a random name; the stored (relative) name is returned."""
    kind = sniff(data[:16])
    if kind is None:
        raise InvalidInput(_l("The document must be a PDF, JPEG or PNG file."))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind[1]}"
    (folder / name).write_bytes(data)
    return name


def attach(claim, name: str) -> None:
    claim.document_path = name


def open_document(folder: str | Path, name: str | None) -> tuple[Path, str]:
    """(path, Content-Type) of a stored document; NotFound for anything not stored by ``store``."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise NotFound()
    extension = name.rsplit(".", 1)[-1]
    path = Path(folder) / name
    if extension not in CONTENT_TYPES or not path.is_file():
        raise NotFound()
    return path, CONTENT_TYPES[extension]


def remove(folder: str | Path, name: str) -> None:
    """Undo ``store`` when the transaction that was to record it fails."""
    (Path(folder) / name).unlink(missing_ok=True)
