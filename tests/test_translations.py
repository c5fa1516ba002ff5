"""Kazakh and Russian are complete: every message has a translation, no fuzzy entry is left, and the
placeholders of each translation are those of its source text."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parent.parent / "webapp" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalogue(language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_is_complete(language):
    catalogue = _catalogue(language)
    missing = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:5]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:5]}"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_placeholders_match(language):
    for message in _catalogue(language):
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_matches_the_template(language):
    """Every extracted message is in the catalogue (run `make messages` after changing texts)."""
    with open(CATALOGUES / "messages.pot", "rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert template <= {m.id for m in _catalogue(language) if m.id}
