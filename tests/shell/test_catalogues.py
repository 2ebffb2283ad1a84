"""Every UI language is complete: the catalogues in locale/ hold every string the code marks for
translation, each one translated (none empty, none fuzzy), with the placeholders the code fills
in, and the committed .mo files say what the .po files say.

A failure here after adding strings means: run `make messages` (or makemessages with the flags
below), translate the new entries in all four languages, then compilemessages.
"""

import ast
import gettext
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import templatize

LANGUAGES = ["cy", "es", "pl", "sw"]
ROOT = Path(settings.BASE_DIR)
# What `makemessages --ignore=...` skips (plus its defaults: hidden files and folders), so the
# strings extracted here are the ones makemessages would put in the catalogues.
# htmlcov and var hold generated files that are never the project's UI.
IGNORED_DIRS = {".venv", "node_modules", "static", "tests", "locale", "htmlcov", "var"}
EXTENSIONS = {".py", ".html", ".txt"}
XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]

NAMED_PERCENT = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL_PERCENT = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def read_po(text: str) -> list[Entry]:
    """The live entries of a .po file (the header first); obsolete `#~` entries are left out."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry, target = Entry(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if isinstance(target, int):
                    entry.msgstr[target] += value
                else:
                    setattr(entry, target, getattr(entry, target) + value)
            else:
                keyword, _, rest = line.partition(" ")
                value = ast.literal_eval(rest)
                if keyword.startswith("msgstr"):
                    target = int(keyword[7:-1]) if "[" in keyword else 0
                    entry.msgstr[target] = value
                else:
                    target = keyword
                    setattr(entry, keyword, value)
        if entry.msgstr:
            entries.append(entry)
    return entries


@cache
def catalogue(language: str) -> list[Entry]:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    return read_po(path.read_text(encoding="utf-8"))


def plural_count(header: Entry) -> int:
    return int(re.search(r"nplurals\s*=\s*(\d+)", header.msgstr[0]).group(1))


def placeholders(text: str, *, positional: bool) -> list[str]:
    text = text.replace("%%", "")
    found = NAMED_PERCENT.findall(text) + BRACES.findall(text)
    if positional:
        found += [p for p in POSITIONAL_PERCENT.findall(text) if not NAMED_PERCENT.match(p)]
    return sorted(found)


@cache
def strings_in_code() -> dict[tuple[str | None, str], str]:
    """Every (context, msgid) that makemessages would extract, with where it was found."""
    with tempfile.TemporaryDirectory() as work:
        sources = []
        for dirpath, dirnames, filenames in os.walk(ROOT):
            here = Path(dirpath)
            dirnames[:] = [
                name
                for name in dirnames
                if name not in IGNORED_DIRS
                and not name.startswith(".")
                and (here / name) not in {Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)}
            ]
            for name in filenames:
                path = here / name
                if path.suffix not in EXTENSIONS or name.startswith(".") or name.endswith("~"):
                    continue
                if path.suffix == ".py":
                    sources.append(str(path))
                    continue
                # Templates go through Django's templatize, as makemessages does.
                relative = path.relative_to(ROOT)
                work_path = Path(work, f"{relative}.py")
                work_path.parent.mkdir(parents=True, exist_ok=True)
                work_path.write_text(
                    templatize(path.read_text(encoding="utf-8"), origin=str(relative)), encoding="utf-8"
                )
                sources.append(str(work_path))
        files_from = Path(work, "files")
        files_from.write_text("\n".join(sources), encoding="utf-8")
        result = subprocess.run(
            [
                "xgettext",
                "--language=Python",
                "--from-code=UTF-8",
                *XGETTEXT_KEYWORDS,
                "--output=-",
                "--files-from",
                files_from,
            ],
            capture_output=True,
            encoding="utf-8",
            check=True,
            timeout=60,
        )
    found = {}
    for block in re.split(r"\n\s*\n", result.stdout.strip()):
        where = next((line[3:] for line in block.splitlines() if line.startswith("#: ")), "")
        for entry in read_po(block):
            if entry.msgid:
                where = where.replace(f"{work}/", "").replace(f"{ROOT}/", "")
                found[entry.key] = re.sub(r"\.(html|txt)\.py:", r".\1:", where)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalogue(language):
    present = {entry.key for entry in catalogue(language)}
    missing = [
        f"{msgid!r} ({where})"
        for (context, msgid), where in strings_in_code().items()
        if (context, msgid) not in present
    ]
    assert not missing, f"locale/{language}: run makemessages, then translate:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    header, *entries = catalogue(language)
    forms = plural_count(header)
    problems = []
    for entry in entries:
        expected = forms if entry.msgid_plural is not None else 1
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif len(entry.msgstr) != expected or not all(entry.msgstr.values()):
            problems.append(f"untranslated ({expected} form(s) wanted): {entry.msgid!r}")
    assert not problems, f"locale/{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_the_code_fills_in(language):
    problems = []
    for entry in catalogue(language)[1:]:
        positional = "python-format" in entry.flags
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
        wanted = [set(placeholders(source, positional=positional)) for source in sources]
        # A plural's forms must all keep what both English forms share, and may use what either has.
        required, allowed = set.intersection(*wanted), set.union(*wanted)
        for form, translation in entry.msgstr.items():
            if not translation:
                continue
            found = set(placeholders(translation, positional=positional))
            if not required <= found <= allowed:
                problems.append(
                    f"{entry.msgid!r} [{form}]: lacks {sorted(required - found)}, adds {sorted(found - allowed)}"
                )
    assert not problems, f"locale/{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog
    stale = []
    for entry in catalogue(language)[1:]:
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            ok = mo.get(msgid) == entry.msgstr[0]
        else:
            ok = all(mo.get((msgid, form)) == text for form, text in entry.msgstr.items())
        if not ok:
            stale.append(repr(entry.msgid))
    assert not stale, f"locale/{language}/LC_MESSAGES/django.mo is stale: run compilemessages.\n" + "\n".join(stale)
