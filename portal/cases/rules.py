"""The case library's text rules: masking personal data, Chinese search by bigrams, highlighting. Pure.

Chinese is written without spaces, so word search does not work. Every case keeps the set of
its two-character sequences (bigrams) in an indexed table; a query matches the cases holding all
of the query's bigrams, and a LIKE on the normalised text then confirms the exact sequence. This
needs only B-tree indexes and plain SQL, so SQLite and PostgreSQL behave the same.
"""
import re
import unicodedata

from markupsafe import Markup, escape

from ..privacy import mask_email, mask_name, mask_phone

SECTIONS = ("scenario", "cause", "practice", "handling", "improvements")
MAX_TERMS = 5
MAX_TERM = 40
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")  # mainland mobile numbers
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# --- masking -----------------------------------------------------------------------------------

def mask_plate(plate: str) -> str:
    """沪A12345 -> 沪A***45."""
    return plate[:2] + "*" * max(1, len(plate) - 4) + plate[-2:] if len(plate) > 4 else "*" * len(plate)


def mask_vin(vin: str) -> str:
    return vin[:3] + "*" * max(1, len(vin) - 7) + vin[-4:] if len(vin) > 7 else "*" * len(vin)


def mask_address(address: str) -> str:
    """上海市静安区南京西路1号 -> 上海市静安区***."""
    return address[:6] + "***"


# How a write-up masks each kind of identifier (erasure scrubs the masked forms too).
MASKS = {"names": mask_name, "phones": mask_phone, "emails": mask_email, "plates": mask_plate, "vins": mask_vin,
         "addresses": mask_address}


def scrub(text: str, *, names=(), phones=(), emails=(), plates=(), vins=(), addresses=()) -> str:
    """Text with the customer's personal data masked: the known identifiers, and any phone or e-mail."""
    if not text:
        return ""
    out = text
    for value, mask in [*((a, mask_address) for a in addresses), *((v, mask_vin) for v in vins),
                        *((p, mask_plate) for p in plates), *((n, mask_name) for n in names)]:
        value = (value or "").strip()
        if len(value) >= 2:
            out = re.sub(re.escape(value), mask(value), out, flags=re.IGNORECASE)
    for phone in phones:
        digits = re.sub(r"\D", "", phone or "")
        if len(digits) >= 5:
            out = out.replace(digits, mask_phone(digits))
    out = MOBILE.sub(lambda m: mask_phone("".join(m.groups())), out)
    out = LANDLINE.sub(lambda m: m.group(1) + "-" + "*" * (len(m.group(2)) - 2) + m.group(2)[-2:], out)
    return EMAIL.sub(lambda m: mask_email(m.group(0)), out)


# --- search ------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Full-width to half-width, case folded, runs of white space as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def grams(text: str) -> set[str]:
    """Every two-character sequence of the normalised text that does not span a space."""
    t = normalise(text)
    return {t[i:i + 2] for i in range(len(t) - 1) if not (t[i].isspace() or t[i + 1].isspace())}


def terms(query: str) -> list[str]:
    """The search terms of a query: space-separated, normalised, at most five, each kept short."""
    out = []
    for word in normalise(query).split(" "):
        word = word[:MAX_TERM]
        if word and word not in out:
            out.append(word)
    return out[:MAX_TERMS]


def query_grams(words: list[str]) -> set[str]:
    """The bigrams a matching case must all contain (single characters have none)."""
    return set().union(*(grams(w) for w in words)) if words else set()


def highlight(text: str, words: list[str]) -> Markup:
    """The text, HTML-escaped, with every occurrence of a term wrapped in <mark>."""
    text = text or ""
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    folded = unicodedata.normalize("NFKC", text)
    source = folded if len(folded) == len(text) else text  # positions must line up with the original
    for m in pattern.finditer(source):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>") + escape(text[m.start():m.end()]) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, words: list[str], width: int = 60) -> str:
    """A piece of the text around the first match (or its beginning), for the result list."""
    text = re.sub(r"\s+", " ", text or "").strip()
    folded = unicodedata.normalize("NFKC", text).casefold()
    hits = [folded.find(w) for w in words if folded.find(w) >= 0] if len(folded) == len(text) else []
    start = max(min(hits) - width // 3, 0) if hits else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def parse_tags(text: str) -> str:
    """Tags as one space-separated string: commas and 、 separate too, duplicates dropped."""
    seen = []
    for tag in re.split(r"[\s,，、;；]+", text or ""):
        tag = tag.strip()[:20]
        if tag and tag not in seen:
            seen.append(tag)
    return " ".join(seen)[:200]
