"""Status-link tokens: unguessable, never stored, revoked by bumping a version. Pure.

A token is base64url(HMAC-SHA256(key, "<complaint id>:<link version>")[:16] + complaint id as
8 bytes). Nothing about it is kept in the database: staff can always show the current link
again, and raising `Complaint.link_version` makes every earlier token fail the comparison.
"""
import base64
import binascii
import hashlib
import hmac
import struct

MAC_BYTES = 16  # 128 bits: guessing one link takes 2**127 tries on average
_ID = struct.Struct(">Q")
TOKEN_LENGTH = 32  # base64url of 16 + 8 bytes, no padding needed
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def link_key(secret: str | bytes) -> bytes:
    """The key for status links, derived from the server secret (so it is used for nothing else)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"kesu/status-link/v1", hashlib.sha256).digest()


def _mac(key: bytes, complaint_id: int, version: int) -> bytes:
    return hmac.new(key, f"{complaint_id}:{version}".encode(), hashlib.sha256).digest()[:MAC_BYTES]


def make(key: bytes, complaint_id: int, version: int) -> str:
    """The token of one complaint at one link version."""
    raw = _mac(key, complaint_id, version) + _ID.pack(complaint_id)
    return base64.urlsafe_b64encode(raw).decode()


def complaint_id(token: str) -> int:
    """The complaint a well-formed token names, 0 for anything else. Says nothing about validity."""
    if len(token) != TOKEN_LENGTH or not _ALPHABET.issuperset(token):
        return 0
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        return 0
    return _ID.unpack(raw[MAC_BYTES:])[0]


def matches(key: bytes, token: str, complaint_id: int, version: int) -> bool:
    """Whether `token` is the current token of that complaint; constant time in the token's content."""
    expected = make(key, complaint_id, version).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "replace"))
