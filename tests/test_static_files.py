"""Static files: URLs carry the content hash; hashed URLs are cached for a year, others briefly."""
import hashlib
import re
import shutil
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_static_files_by_content_hash(client, login):
    login("cs@dealer-sh01.demo")
    html = client.get("/t/dealer-sh01/complaints/").get_data(as_text=True)
    urls = static_urls(html)
    assert {u.partition("?")[0] for u in urls} >= {"/static/portal.css", "/static/portal.js",
                                                   "/static/vendor/htmx-2.0.11.min.js"}
    for url in urls:
        path, _, query = url.partition("?")
        assert query == f"v={digest(STATIC / path.removeprefix('/static/'))}", url


def test_a_hashed_url_is_cached_for_a_year_and_others_briefly(client):
    url = f"/static/portal.css?v={digest(STATIC / 'portal.css')}"
    hashed = client.get(url)
    assert hashed.status_code == 200 and hashed.data == (STATIC / "portal.css").read_bytes()
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for other in ("/static/portal.css", "/static/portal.css?v=0123456789ab"):  # no hash, or an old one
        response = client.get(other)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300", other
    assert client.get("/login").headers["Cache-Control"] == "no-store"  # pages are never cached


def test_an_edited_file_gets_a_new_url_without_a_restart(app, tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    with app.test_request_context():
        from flask import url_for
        before = url_for("static", filename="portal.css")
        (folder / "portal.css").write_text("body { color: red }\n/* a longer file */\n")
        after = url_for("static", filename="portal.css")
        missing = url_for("static", filename="nothing-here.css")
    assert before != after and after.endswith(digest(folder / "portal.css"))
    assert missing == "/static/nothing-here.css"
    response = app.test_client().get(after)
    assert b"color: red" in response.data and "immutable" in response.headers["Cache-Control"]
