"""Kazakh and Russian are complete: every message has a translation, no fuzzy entry is left, and the
placeholders of each translation are those of its source text."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "webapp" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalogue(language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_is_complete(language):
    catalogue = _catalogue(language)
    missing = [m.id for m in catalogue if m.id and not all(_forms(m.string))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:5]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:5]}"


def _forms(text) -> list[str]:
    return list(text) if isinstance(text, (tuple, list)) else [text]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_placeholders_match(language):
    for message in _catalogue(language):
        source = sorted(PLACEHOLDER.findall(_forms(message.id)[0]))
        for form in _forms(message.string) if message.id else []:
            if form:
                assert sorted(PLACEHOLDER.findall(form)) == source, message.id


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_matches_the_template(language):
    """Every extracted message is in the catalogue (run `make messages` after changing texts)."""
    with open(CATALOGUES / "messages.pot", "rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert template <= {m.id for m in _catalogue(language) if m.id}


def test_every_text_in_the_code_is_in_the_catalogues(tmp_path):
    """Extract the messages from the code and templates now, as `make messages` does: a text added
    without `make messages` and a translation fails here, not in front of a parent."""
    extracted = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--ignore-dirs", ".* __pycache__", "-o", str(extracted), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(extracted, "rb") as handle:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for language in ("kk", "ru"):
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(language) if m.id and m.string}
        missing = sorted(in_code - translated)
        assert not missing, f"{len(missing)} texts without a {language} translation: {missing[:5]}"
