"""The curriculum frameworks' fixed vocabulary: competencies, their scales and level codes.

Levels are stored as their codes (EE, ME2, EXS, ...) and shown with these labels. They are
ordinal judgements, never numbers: nothing here turns a level into a percentage or averages
levels. The Grade 9 sub-levels carry the points the Kenyan assessment gives them (EE1 = 8 down to
BE2 = 1), which is a property of that scale, not a conversion.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    rank: int  # order within its scale, 1 = lowest; for comparing "gained a level", not for sums
    points: int | None = None  # only the Grade 9 sub-levels carry points


SCALES: dict[str, tuple[Level, ...]] = {
    "cbc_rubric": (
        Level("BE", _("Below Expectation"), 1),
        Level("AE", _("Approaching Expectation"), 2),
        Level("ME", _("Meeting Expectation"), 3),
        Level("EE", _("Exceeding Expectation"), 4),
    ),
    "cbc_grade9": (
        Level("BE2", _("Below Expectation 2"), 1, 1),
        Level("BE1", _("Below Expectation 1"), 2, 2),
        Level("AE2", _("Approaching Expectation 2"), 3, 3),
        Level("AE1", _("Approaching Expectation 1"), 4, 4),
        Level("ME2", _("Meeting Expectation 2"), 5, 5),
        Level("ME1", _("Meeting Expectation 1"), 6, 6),
        Level("EE2", _("Exceeding Expectation 2"), 7, 7),
        Level("EE1", _("Exceeding Expectation 1"), 8, 8),
    ),
    "england_are": (
        Level("WTS", _("Working towards the expected standard"), 1),
        Level("EXS", _("Working at the expected standard"), 2),
        Level("GDS", _("Working at greater depth"), 3),
    ),
    "eyfs_elg": (
        Level("EMG", pgettext_lazy("EYFS early learning goal", "Emerging"), 1),
        Level("EXP", pgettext_lazy("EYFS early learning goal", "Expected"), 2),
    ),
}


def level(scale: str, code: str) -> Level | None:
    """The level `code` on `scale`, or None when the scale has no such level."""
    return next((found for found in SCALES.get(scale, ()) if found.code == code), None)


# Built-in competencies: (framework, kind, code, name, scales allowed).
CBC_CORE = (
    ("CC", _("Communication and collaboration")),
    ("CT", _("Critical thinking and problem solving")),
    ("CI", _("Creativity and imagination")),
    ("CZ", _("Citizenship")),
    ("DL", _("Digital literacy")),
    ("LL", _("Learning to learn")),
    ("SE", _("Self-efficacy")),
)

ENGLAND_ARE = (
    ("READ", _("Reading")),
    ("WRIT", _("Writing")),
    ("MATH", _("Mathematics")),
)

EYFS_ELG = (
    ("ELG01", _("Listening, attention and understanding")),
    ("ELG02", _("Speaking")),
    ("ELG03", _("Self-regulation")),
    ("ELG04", _("Managing self")),
    ("ELG05", _("Building relationships")),
    ("ELG06", _("Gross motor skills")),
    ("ELG07", _("Fine motor skills")),
    ("ELG08", _("Comprehension")),
    ("ELG09", _("Word reading")),
    ("ELG10", _("Writing (early learning goal)")),
    ("ELG11", _("Number")),
    ("ELG12", _("Numerical patterns")),
    ("ELG13", _("Past and present")),
    ("ELG14", _("People, culture and communities")),
    ("ELG15", _("The natural world")),
    ("ELG16", _("Creating with materials")),
    ("ELG17", _("Being imaginative and expressive")),
)

BUILT_IN_NAMES = {code: name for code, name in CBC_CORE + ENGLAND_ARE + EYFS_ELG}
