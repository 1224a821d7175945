"""Uploads: typed by their content, never by their name; kept under random names outside anything
served; handed back with nosniff, a sandboxing CSP and Content-Disposition; never executed."""
import io
import os

import pytest

from portal.complaints.models import Attachment
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BASE = "/t/dealer-sh01/complaints"


@pytest.fixture
def complaint(in_tenant):
    with in_tenant("dealer-sh01"):
        return f.complaint()


def upload(client, complaint, content, name):
    return client.post(f"{BASE}/{complaint.id}/attachments", content_type="multipart/form-data",
                       data={"attachments": (io.BytesIO(content), name)})


@pytest.mark.parametrize("content, name", [
    (b"<html><script>alert(1)</script></html>", "photo.png"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "drawing.svg"),
    (b"<?php system($_GET['c']); ?>", "image.jpg"),
    (b"MZ\x90\x00\x03" + b"\0" * 60, "invoice.pdf"),
    (b"#!/bin/sh\nrm -rf /\n", "voice.mp3"),
])
def test_anything_that_is_not_a_photo_pdf_or_recording_is_refused_whatever_its_name(
        client, login, in_tenant, complaint, content, name):
    login("cs@dealer-sh01.demo")
    response = upload(client, complaint, content, name)
    assert response.status_code == 422
    with in_tenant("dealer-sh01"):
        assert Attachment.select().count() == 0


def test_a_photo_named_like_a_web_page_is_kept_and_served_as_a_photo_that_cannot_run(
        app, client, login, in_tenant, complaint):
    login("cs@dealer-sh01.demo")
    assert upload(client, complaint, PNG, "../../static/evil.html").status_code == 303
    with in_tenant("dealer-sh01"):
        att = Attachment.get()
    assert att.content_type == "image/png" and att.filename == "evil.html"  # no path survives
    stored = os.path.join(app.config["UPLOAD_DIR"], str(att.tenant_id), att.stored_name)
    assert os.path.isfile(stored) and att.stored_name.isalnum()  # a random name in the tenant's folder
    served = client.get(f"{BASE}/{complaint.id}/attachments/{att.id}")
    assert served.status_code == 200 and served.data == PNG
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert served.headers["Content-Disposition"].startswith("inline")
    assert "private" in served.headers["Cache-Control"]


def test_documents_and_recordings_are_downloaded_never_shown_in_the_page(client, login, in_tenant, complaint):
    login("cs@dealer-sh01.demo")
    assert upload(client, complaint, PDF, "report.pdf").status_code == 303
    with in_tenant("dealer-sh01"):
        att = Attachment.get()
    served = client.get(f"{BASE}/{complaint.id}/attachments/{att.id}")
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_too_many_or_too_large_files_are_refused_before_anything_is_kept(app, client, login, in_tenant, complaint):
    login("cs@dealer-sh01.demo")
    too_many = client.post(f"{BASE}/{complaint.id}/attachments", content_type="multipart/form-data",
                           data={"attachments": [(io.BytesIO(PNG), f"p{i}.png") for i in range(11)]})
    assert too_many.status_code == 422
    too_large = upload(client, complaint, PNG + b"\0" * (10 * 1024 * 1024), "big.png")
    assert too_large.status_code == 422
    with in_tenant("dealer-sh01"):
        assert Attachment.select().count() == 0
    assert not os.path.isdir(os.path.join(app.config["UPLOAD_DIR"], str(complaint.tenant_id))) or not os.listdir(
        os.path.join(app.config["UPLOAD_DIR"], str(complaint.tenant_id)))


def test_an_htmx_post_without_its_csrf_token_is_refused(client, login, in_tenant, complaint):
    login("cs@dealer-sh01.demo")
    response = client.post(f"{BASE}/{complaint.id}/notes", data={"body": "无令牌"}, csrf=False,
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    with in_tenant("dealer-sh01"):
        from portal.complaints.models import Note
        assert Note.select().where(Note.complaint == complaint.id).count() == 0
