"""Words from numbers: each insight's sentence, and the narrative summary of a child's learning.

The summary is written by deterministic templates over the child's numbers, or, when a model is
configured (progress.insights.llm) and the pupil's consent allows it (policies.may_use_ai_for), by
that model from the same numbers. The model never sees a name: the facts it gets refer to the
child as CHILD_PLACEHOLDER, which is filled in here after the answer comes back, and free text
people typed (goal and milestone titles, which often hold a child's name) is never sent.
"""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from progress.insights import llm, rules

CHILD_PLACEHOLDER = "[CHILD]"
MODEL = "model"
TEMPLATE = "template"
LABELS = {
    MODEL: _("Written by a language model from your child's records"),
    TEMPLATE: _("Written from your child's records by a template"),
}
STAFF_LABELS = {
    MODEL: _("Written by a language model from the pupil's records"),
    TEMPLATE: _("Written from the pupil's records by a template"),
}
MAX_MODEL_CHARS = 1500
# The model's text is kept per pupil, per day, per language and per set of facts (Django's cache,
# so Redis in production): one call a day at most unless the numbers change.
CACHE_SECONDS = 26 * 60 * 60
# After a failure, the template is used for a while without trying again, so a model that is down
# does not make every page wait for its timeout.
FAILURE_BACKOFF_SECONDS = 5 * 60


@dataclass(frozen=True)
class Narrative:
    text: str
    source: str  # MODEL or TEMPLATE
    for_family: bool = True  # the label says "your child" to the family, "the pupil" to staff

    @property
    def label(self):
        return (LABELS if self.for_family else STAFF_LABELS)[self.source]

    @property
    def by_model(self) -> bool:
        return self.source == MODEL


def _day(value: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")


def sentence_for(rule: str, numbers: dict) -> str:
    """The insight's sentence, in the active language, with the numbers that triggered it."""
    n = numbers
    try:
        if rule == rules.ENGAGEMENT_DROP:
            return ngettext(
                "%(this_week)s minute of learning in the last 7 days, against %(average)s a week on average "
                "over the %(weeks)s weeks before.",
                "%(this_week)s minutes of learning in the last 7 days, against %(average)s a week on average "
                "over the %(weeks)s weeks before.",
                n["this_week"],
            ) % {"this_week": n["this_week"], "average": n["average"], "weeks": n["weeks"]}
        if rule == rules.DECLINING_TREND:
            return gettext(
                "%(subject)s results have gone down over the last %(count)s scored assessments: "
                "from %(first)s%% to %(latest)s%%."
            ) % {"subject": n["subject"], "count": n["count"], "first": n["first"], "latest": n["latest"]}
        if rule == rules.MILESTONE:
            return gettext("Milestone reached on %(date)s: %(title)s.") % {
                "date": _day(n["happened_on"]),
                "title": n["title"],
            }
        if rule == rules.DEADLINE_MISSED:
            return ngettext(
                "The goal “%(title)s” was due on %(date)s, %(days)s day ago.",
                "The goal “%(title)s” was due on %(date)s, %(days)s days ago.",
                n["days_over"],
            ) % {"title": n["title"], "date": _day(n["target_date"]), "days": n["days_over"]}
    except (KeyError, TypeError, ValueError):
        pass
    return gettext("An alert about your child's records.")


# --- the narrative -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the narrative says, as numbers and codes only (no names, no free text)."""

    this_week: int
    average: int | None  # None: not enough weeks to compare
    weeks: int
    busiest_day: str | None  # weekday number 0-6 as text, or None
    busiest_part: str | None  # "morning", "afternoon", "evening"
    top_subject: str | None
    alerts: tuple[str, ...]  # rules of open alerts
    declining_subjects: tuple[str, ...]
    active_goals: int
    goals_past_date: int
    recent_milestones: int

    def for_model(self) -> dict:
        return {
            "child": CHILD_PLACEHOLDER,
            "minutes_last_7_days": self.this_week,
            "average_minutes_per_week_before": self.average,
            "weeks_compared": self.weeks,
            "day_of_week_most_active": WEEKDAY_NAMES_EN[int(self.busiest_day)] if self.busiest_day else None,
            "part_of_day_most_active": self.busiest_part,
            "subject_most_time": self.top_subject,
            "open_alerts": list(self.alerts),
            "subjects_with_falling_scores": list(self.declining_subjects),
            "active_shared_goals": self.active_goals,
            "goals_past_their_date": self.goals_past_date,
            "milestones_last_two_weeks": self.recent_milestones,
        }


WEEKDAY_NAMES_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_NAMES = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
PARTS_OF_DAY = {"morning": _("in the morning"), "afternoon": _("in the afternoon"), "evening": _("in the evening")}


def template_text(facts: Facts, *, child: str) -> str:
    """The narrative written by templates, in the active language."""
    sentences = []
    if facts.average is not None:
        sentences.append(
            ngettext(
                "In the last 7 days %(child)s spent %(minutes)s minute learning, against %(average)s a week "
                "on average over the %(weeks)s weeks before.",
                "In the last 7 days %(child)s spent %(minutes)s minutes learning, against %(average)s a week "
                "on average over the %(weeks)s weeks before.",
                facts.this_week,
            )
            % {"child": child, "minutes": facts.this_week, "average": facts.average, "weeks": facts.weeks}
        )
    elif facts.this_week:
        sentences.append(
            ngettext(
                "In the last 7 days %(child)s spent %(minutes)s minute learning.",
                "In the last 7 days %(child)s spent %(minutes)s minutes learning.",
                facts.this_week,
            )
            % {"child": child, "minutes": facts.this_week}
        )
    else:
        sentences.append(gettext("No learning has been recorded for %(child)s in the last 7 days.") % {"child": child})
    if facts.busiest_day is not None and facts.top_subject:
        sentences.append(
            gettext(
                "Over the last four weeks %(child)s learned most on %(day)s %(part)s, and spent the most time on "
                "%(subject)s."
            )
            % {
                "child": child,
                "day": WEEKDAY_NAMES[int(facts.busiest_day)],
                "part": PARTS_OF_DAY.get(facts.busiest_part or "", ""),
                "subject": facts.top_subject,
            }
        )
    if facts.declining_subjects:
        sentences.append(
            gettext("Recent results have gone down in %(subjects)s: worth a word with the teacher.")
            % {"subjects": ", ".join(facts.declining_subjects)}
        )
    if facts.recent_milestones:
        sentences.append(
            ngettext(
                "%(child)s reached a milestone in the last two weeks.",
                "%(child)s reached %(count)s milestones in the last two weeks.",
                facts.recent_milestones,
            )
            % {"child": child, "count": facts.recent_milestones}
        )
    if facts.active_goals:
        sentence = ngettext(
            "%(child)s is working towards %(count)s shared goal",
            "%(child)s is working towards %(count)s shared goals",
            facts.active_goals,
        ) % {"child": child, "count": facts.active_goals}
        if facts.goals_past_date:
            sentence += ngettext(
                "; %(late)s has passed its date.", "; %(late)s have passed their dates.", facts.goals_past_date
            ) % {"late": facts.goals_past_date}
        else:
            sentence += "."
        sentences.append(sentence)
    return " ".join(sentences)


LANGUAGE_NAMES_EN = {"en-gb": "British English", "cy": "Welsh", "es": "Spanish", "pl": "Polish", "sw": "Swahili"}

SYSTEM_PROMPT = (
    "You write a short, warm and factual summary of a child's learning for their parent or carer. "
    "Use only the facts given; do not invent activities, results or reasons. Do not diagnose, and "
    "do not give medical advice. Refer to the child only as {child}, never by any other name, and "
    "do not guess their sex. Three or four plain sentences, no lists, no headings. Write in {language}."
)


def _prompt(facts: Facts, language: str) -> tuple[str, str]:
    system = SYSTEM_PROMPT.format(child=CHILD_PLACEHOLDER, language=LANGUAGE_NAMES_EN.get(language, "English"))
    prompt = "Facts about the child (JSON):\n" + json.dumps(facts.for_model(), ensure_ascii=False, sort_keys=True)
    return system, prompt


def scrub(text: str, names: list[str]) -> str:
    """`text` with each of `names` (whole words, any case) replaced by the placeholder."""
    for name in sorted({n.strip() for n in names if n and len(n.strip()) > 1}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", CHILD_PLACEHOLDER, text, flags=re.IGNORECASE)
    return text


def model_text(facts: Facts, *, pupil_id: int, today: datetime.date, names: list[str]) -> str | None:
    """The model's narrative with the placeholder still in it, or None to use the template.
    Cached per pupil per day (and language and facts); a failure is remembered for a few minutes."""
    if not llm.configured():
        return None
    language = get_language() or settings.LANGUAGE_CODE
    system, prompt = _prompt(facts, language)
    # Belt and braces: the facts hold no free text, but a subject a school named after someone
    # must not carry a name out either.
    prompt = scrub(prompt, names)
    digest = hashlib.sha256(f"{system}\n{prompt}".encode()).hexdigest()[:16]
    key = f"insights:narrative:{pupil_id}:{today.isoformat()}:{language}:{digest}"
    failed_key = "insights:narrative-failed"  # a model that is down is down for everyone
    cached = cache.get(key)
    if cached:
        return cached
    if cache.get(failed_key):
        return None
    try:
        text = llm.complete(system=system, prompt=prompt)
    except llm.ModelUnavailable:
        cache.set(failed_key, True, FAILURE_BACKOFF_SECONDS)
        return None
    text = text.strip()[:MAX_MODEL_CHARS]
    cache.set(key, text, CACHE_SECONDS)
    return text


def fill_in(text: str, *, child: str) -> str:
    return text.replace(CHILD_PLACEHOLDER, child)
