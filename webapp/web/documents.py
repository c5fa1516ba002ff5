"""Sending a privilege document back to whoever may read it (the parent who uploaded it, the
district's department): the stored file as it is, with headers that keep the browser from treating
an uploaded file as part of the site."""
from pathlib import Path

from flask import current_app

from ..services import documents

INLINE_TYPES = ("image/jpeg", "image/png")  # a PDF is downloaded: its viewer may run scripts


def folder() -> str:
    return current_app.config["DOCUMENT_FOLDER"] or str(Path(current_app.instance_path) / "documents")


def send(stored_name: str | None, download_name: str, inline: bool = False):
    """The document's response; services.errors.NotFound when nothing is stored under that name."""
    path, content_type = documents.open_document(folder(), stored_name)
    disposition = "inline" if inline and content_type in INLINE_TYPES else "attachment"
    # Read whole (at most DOCUMENT_MAX_BYTES): no file handle left to the server to close.
    return path.read_bytes(), 200, {
        "Content-Type": content_type, "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        "Content-Disposition": f'{disposition}; filename="{download_name}{path.suffix}"'}
