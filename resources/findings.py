"""What the accessibility checks (`resources.checks`) found, as stored on a resource: a code and
the facts it names, worded only when shown, in the reader's language. Apart from the checks so the
model can word its findings without importing the checks (which read the models)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Finding:
    """What a check found, as a code and the facts it names (a file, a count, an age). Stored so,
    and worded only when shown (`describe`): a co-author, a leader approving the share or an
    admin each read it in their own language, not in the language of whoever saved last."""

    code: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}

    @property
    def where(self) -> str:
        return describe(self.as_dict())["where"]

    @property
    def problem(self) -> str:
        return describe(self.as_dict())["problem"]

    @property
    def fix(self) -> str:
        return describe(self.as_dict())["fix"]


# Where a finding is, when that is a part of the resource rather than a file's name.
TEXT = "text"
VIDEO = "video"


def _place(where: str) -> str:
    return {TEXT: _("Text"), VIDEO: _("Video")}.get(where, where)


def _picture_name(p: dict) -> str:
    return p.get("name") or _("image %(number)s") % {"number": p["number"]}


# code: (where, problem, fix), each worded from the finding's params in the active language.
_WORDING = {
    "image_alt": (
        lambda p: _("Text: picture %(number)s (%(name)s)") % {"number": p["number"], "name": _picture_name(p)},
        lambda p: _("This picture has no alternative text, so people using a screen reader miss it."),
        lambda p: _(
            'Add alt text saying what the picture shows, e.g. <img alt="A child reading with a parent">, '
            'or alt="" if it is only decoration.'
        ),
    ),
    "docx_image_alt": (
        lambda p: (
            _("%(file)s: %(count)s picture(s) (%(names)s)")
            % {"file": p["file"], "count": p["count"], "names": p["names"]}
        ),
        lambda p: _("Pictures in this document have no alternative text."),
        lambda p: _("In Word, right-click each picture, choose Edit Alt Text, describe it, then upload a new version."),
    ),
    "pdf_untagged": (
        lambda p: p["file"],
        lambda p: _("This PDF has no tags, so screen readers cannot tell its headings, lists and reading order."),
        lambda p: _(
            'Export it again with "Create tagged PDF" (Word: Save as PDF, Options, '
            '"Document structure tags for accessibility"), then upload a new version.'
        ),
    ),
    "pdf_no_text": (
        lambda p: p["file"],
        lambda p: _("This PDF has no text layer: it is a picture of pages, which cannot be read aloud or searched."),
        lambda p: _("Upload the original document, or run text recognition (OCR) on the scan and upload that."),
    ),
    "long_sentence": (
        lambda p: _place(p["where"]),
        lambda p: _('A sentence of %(count)s words: "%(start)s…"') % {"count": p["count"], "start": p["start"]},
        lambda p: _("Split it into sentences of under %(limit)s words.") % {"limit": p["limit"]},
    ),
    "reading_age": (
        lambda p: _place(p["where"]),
        lambda p: _("Reading age about %(age)s: many parents and pupils will find it hard.") % {"age": p["age"]},
        lambda p: (
            _("Use shorter sentences and everyday words to bring it to %(limit)s or under.") % {"limit": p["limit"]}
        ),
    ),
    "video_captions": (
        lambda p: _place(VIDEO),
        lambda p: _("This video has no captions, so people who are deaf or hard of hearing miss what is said."),
        lambda p: _(
            "Upload a captions file (.vtt or .srt) as a new version, or tick "
            '"The linked video has captions" if the link has them.'
        ),
    ),
}


def describe(finding: dict) -> dict:
    """A stored finding worded in the active language: its code, where, the problem and the fix.
    One stored before findings were kept as codes is already worded, and is shown as it is."""
    params = finding.get("params")
    wording = _WORDING.get(finding.get("code"))
    if params is None or wording is None:
        return {key: finding.get(key, "") for key in ("code", "where", "problem", "fix")}
    where, problem, fix = (word(params) for word in wording)
    return {"code": finding["code"], "where": where, "problem": problem, "fix": fix}


def described(findings: list[dict]) -> list[dict]:
    return [describe(finding) for finding in findings or []]
