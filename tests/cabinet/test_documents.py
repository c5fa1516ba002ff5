"""The privilege claim's document: type checked by its first bytes, size-limited, stored outside
static/, served only to the parent."""
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application

from .conftest import csrf_token

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def category(factory):
    category = factory.privilege("disability", tier="extraordinary")
    factory.commit()
    return category


def _apply(client, world, document=None, filename="certificate.pdf", privilege="disability"):
    path = f"/cabinet/children/{world.child.id}/apply"
    data = {"csrf_token": csrf_token(client, path), "locality": world.locality.id, "language": "kk",
            "privilege": privilege}
    if document is not None:
        data["document"] = (io.BytesIO(document), filename)
    return client.post(path, data=data, content_type="multipart/form-data")


def _application(world):
    db.session.rollback()
    return db.session.scalar(select(Application).where(Application.child_id == world.child.id))


def test_a_document_is_stored_outside_static_and_served_to_its_parent(app, logged_in, world, category):
    response = _apply(logged_in, world, PDF)
    assert response.status_code == 303, response.get_data(as_text=True)
    claim = _application(world).claims[0]
    stored = Path(app.config["DOCUMENT_FOLDER"]) / claim.document_path
    assert stored.read_bytes() == PDF and "static" not in stored.parts
    assert claim.document_path.endswith(".pdf") and "certificate" not in claim.document_path
    url = f"/cabinet/applications/{claim.application_id}/claims/{claim.id}/document"
    assert url in logged_in.get(f"/cabinet/applications/{claim.application_id}").get_data(as_text=True)
    download = logged_in.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf" and "no-store" in download.headers["Cache-Control"]


def test_the_type_is_read_from_the_content_not_the_name(logged_in, world, category):
    response = _apply(logged_in, world, b"MZ\x90\x00 not a pdf at all", filename="certificate.pdf")
    assert response.status_code == 422
    assert "PDF, JPEG or PNG" in response.get_data(as_text=True)
    assert _application(world) is None
    assert _apply(logged_in, world, PNG, filename="scan.exe").status_code == 303
    assert _application(world).claims[0].document_path.endswith(".png")


def test_size_limit_and_required_document(app, logged_in, world, category):
    app.config["DOCUMENT_MAX_BYTES"] = 1024
    too_big = _apply(logged_in, world, PDF + b"0" * 2048)
    assert too_big.status_code == 422 and "too large" in too_big.get_data(as_text=True)
    missing = _apply(logged_in, world)
    assert missing.status_code == 422 and "Attach the document" in missing.get_data(as_text=True)
    without_privilege = _apply(logged_in, world, PDF, privilege="")
    assert without_privilege.status_code == 422
    assert _application(world) is None
    assert not any(Path(app.config["DOCUMENT_FOLDER"]).glob("*")) if Path(app.config["DOCUMENT_FOLDER"]).exists() else True


def test_another_parent_cannot_open_the_document(app, client, logged_in, world, factory, category):
    assert _apply(logged_in, world, PDF).status_code == 303
    claim = _application(world).claims[0]
    url = f"/cabinet/applications/{claim.application_id}/claims/{claim.id}/document"
    logged_in.post("/account/log-out", data={"csrf_token": csrf_token(logged_in, "/cabinet/")})
    from .conftest import PASSWORD, log_in
    assert log_in(logged_in, world.other_parent.phone, PASSWORD).status_code == 303
    assert logged_in.get(url).status_code == 404
