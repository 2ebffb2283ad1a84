"""The built-in competencies as rows. Migration 0002 creates them; this makes them again where
they were removed (a test database flushed between transactional tests, a table restored without
them), so code that names a built-in competency by code never finds it missing."""

from django.utils import translation

from accounts.models import Curriculum
from progress import frameworks
from progress.models import Competency, CompetencyKind

BUILT_IN = (
    [(Curriculum.KENYA_CBC, CompetencyKind.CORE, code) for code, _name in frameworks.CBC_CORE]
    + [(Curriculum.ENGLAND, CompetencyKind.ARE, code) for code, _name in frameworks.ENGLAND_ARE]
    + [(Curriculum.ENGLAND, CompetencyKind.ELG, code) for code, _name in frameworks.EYFS_ELG]
)


def ensure_built_in() -> None:
    """Every built-in competency exists (idempotent; two queries when they all do)."""
    have = set(Competency.objects.filter(school__isnull=True).values_list("code", flat=True))
    with translation.override(None):  # the msgid: the English name, as the migration stores it
        names = {code: str(name) for code, name in frameworks.BUILT_IN_NAMES.items()}
    missing = [
        Competency(
            school=None,
            framework=framework,
            kind=kind,
            code=code,
            name=names[code],
            position=position,
        )
        for position, (framework, kind, code) in enumerate(BUILT_IN)
        if code not in have
    ]
    Competency.objects.bulk_create(missing, ignore_conflicts=True)


def built_in(code: str) -> Competency:
    """The built-in competency with `code` (READ, CC, ELG01, ...), made if it is missing."""
    found = Competency.objects.filter(school__isnull=True, code=code).first()
    if found is None:
        ensure_built_in()
        found = Competency.objects.get(school__isnull=True, code=code)
    return found
