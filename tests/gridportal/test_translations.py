from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(Path(settings.LOCALE_PATHS[0]).rglob("django.po"))


def test_there_is_a_simplified_chinese_catalogue():
    assert any("zh_Hans" in str(path) for path in CATALOGUES)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_committed_mo_matches_its_po(po_path):
    """The compiled catalogue is committed so that a fresh checkout needs no gettext."""
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists()
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(mo_path))
    }
    for entry in polib.pofile(str(po_path)).translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr or entry.msgstr_plural
        ), entry.msgid


def test_placeholders_survive_translation():
    import re

    for po_path in CATALOGUES:
        for entry in polib.pofile(str(po_path)).translated_entries():
            pattern = r"%\(\w+\)[sd]|%s"
            wanted = sorted(re.findall(pattern, entry.msgid))
            got = sorted(re.findall(pattern, entry.msgstr or entry.msgstr_plural.get(0, "")))
            assert wanted == got, entry.msgid
