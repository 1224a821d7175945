"""Every interface string has a Simplified and a Traditional Chinese translation, placeholders intact."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|%%")


@pytest.fixture(scope="module")
def msgids():
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_every_interface_string_is_translated_with_its_placeholders(msgids, lang):
    with open(ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing, broken = [], []
    for msgid in sorted(msgids):
        message = catalog.get(msgid)
        text = message.string if message else ""
        text = text[0] if isinstance(text, tuple) else text
        if not text:
            missing.append(msgid)
        elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(msgid)):
            broken.append(msgid)
    assert missing == [], f"{len(missing)} strings without a {lang} translation (run the catalog update)"
    assert broken == [], f"placeholders differ in {lang}"


def test_the_default_interface_is_simplified_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html and "登录" in html
