"""Evidence files: their type is read from their content, never from their name. Pure functions."""

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10

# (content type, extension, test on the first bytes)
_SIGNATURES = [
    ("image/jpeg", "jpg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("image/png", "png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/gif", "gif", lambda b: b[:6] in (b"GIF87a", b"GIF89a")),
    ("image/webp", "webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("application/pdf", "pdf", lambda b: b.startswith(b"%PDF-")),
    ("audio/wav", "wav", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WAVE"),
    ("audio/mpeg", "mp3", lambda b: b.startswith(b"ID3") or b[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ("audio/mp4", "m4a", lambda b: b[4:8] == b"ftyp" and b[8:11] in (b"M4A", b"mp4", b"iso", b"M4B")),
    ("audio/amr", "amr", lambda b: b.startswith(b"#!AMR")),
    ("audio/ogg", "ogg", lambda b: b.startswith(b"OggS")),
]
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file from its first bytes, or None."""
    for content_type, ext, test in _SIGNATURES:
        if test(head):
            return content_type, ext
    return None


def clean_filename(name: str) -> str:
    """A display name without paths or control characters."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return base.strip()[:200] or "file"
