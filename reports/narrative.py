"""A report's summary in words, written from its figures (`Report.content`).

Deterministic sentences over the numbers, or, when a language model is configured
(`INSIGHTS_LLM_URL`) AND the pupil's family lets "AI features" use the records the summary is
made from (`progress.insights.policies.may_use_ai_for`), the model's text from the same numbers.
As in `progress.insights.narrative`, the model never sees a name: the facts are numbers and codes
only, the child is the placeholder `[CHILD]` (filled in after the answer comes back), and no free
text people wrote (titles, comments) is sent; subject names are scrubbed of the child's names in
case a school named one after somebody. Any failure of the model falls back to the sentences.

The summary says which it is: "Written from the figures" or "Written by a language model from
the figures" (`label_for`).
"""

import json

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from progress.insights import llm
from progress.insights.narrative import CHILD_PLACEHOLDER, LANGUAGE_NAMES_EN, MAX_MODEL_CHARS, fill_in, scrub
from progress.insights.policies import may_use_ai_for

MODEL = "model"
TEMPLATE = "template"
LABELS = {
    MODEL: gettext_lazy("Written by a language model from the figures"),
    TEMPLATE: gettext_lazy("Written from the figures"),
}

SYSTEM_PROMPT = (
    "You write a short, warm and factual summary of a child's school report for their parent or "
    "carer and their teachers. Use only the facts given; do not invent activities, results or "
    "reasons, and do not change any number. Do not diagnose, and do not give medical advice. Refer "
    "to the child only as {child}, never by any other name, and do not guess their sex. Three to "
    "five plain sentences, no lists, no headings. Write in {language}."
)


def label_for(source: str) -> str:
    return str(LABELS.get(source, LABELS[TEMPLATE]))


def facts_for_model(content: dict) -> dict:
    """The figures the model may see: numbers, codes and subject names; no names, no free text."""
    facts: dict = {"child": CHILD_PLACEHOLDER, "report": content.get("header", {}).get("kind")}
    header = content.get("header") or {}
    period = header.get("period") or {}
    facts["period_days"] = _days_between(period.get("start"), period.get("end"))
    activity = content.get("activity")
    if activity:
        facts["learning"] = {
            "minutes": activity["minutes"],
            "days_with_learning": activity["days"],
            "sessions": activity["sessions"],
            "minutes_by_subject": {row["subject"]: row["minutes"] for row in activity["by_subject"]},
        }
    assessments = content.get("assessments")
    if assessments:
        projection = assessments.get("projection") or {}
        facts["results"] = {
            "count": assessments["count"],
            "average_percent": assessments["average"],
            "by_subject": [
                {key: row[key] for key in ("subject", "count", "first", "latest", "direction")}
                for row in assessments["by_subject"]
            ],
            "next_results_likely_between_percent": (
                [projection["low"], projection["high"]] if projection.get("enough") else None
            ),
        }
    competencies = content.get("competencies")
    if competencies:
        facts["competencies"] = {
            "judged": competencies["judged"],
            "of": len(competencies["axes"]),
            "latest_levels": {axis["code"]: axis["level"] for axis in competencies["axes"] if axis["level"]},
        }
    goals = content.get("goals") or {}
    facts["goals"] = {
        "active": sum(1 for goal in goals.get("goals", []) if goal["status"] == "active"),
        "completed": sum(1 for goal in goals.get("goals", []) if goal["status"] == "completed"),
        "past_their_date": sum(1 for goal in goals.get("goals", []) if goal["past_date"]),
        "milestones_reached": len(goals.get("milestones", [])),
        "awards": len(goals.get("awards", [])),
    }
    return facts


def _days_between(start: str | None, end: str | None) -> int | None:
    import datetime as dt

    if not start or not end:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1


def template_text(content: dict, *, child: str) -> str:
    """The summary from fixed sentences, in the active language."""
    sentences = []
    activity = content.get("activity")
    if activity is not None:
        if activity["minutes"]:
            minutes = ngettext("%(n)s minute", "%(n)s minutes", activity["minutes"]) % {"n": activity["minutes"]}
            days = ngettext("%(n)s day", "%(n)s days", activity["days"]) % {"n": activity["days"]}
            sentences.append(
                _("In this period %(child)s spent %(minutes)s learning, on %(days)s.")
                % {"child": child, "minutes": minutes, "days": days}
            )
            top = activity["by_subject"][0] if activity["by_subject"] else None
            if top:
                sentences.append(
                    _("The most time went to %(subject)s (%(minutes)s minutes).")
                    % {"subject": top["subject"], "minutes": top["minutes"]}
                )
        else:
            sentences.append(_("No learning was recorded for %(child)s in this period.") % {"child": child})
    assessments = content.get("assessments")
    if assessments is not None:
        if assessments["count"]:
            if assessments["average"] is not None:
                sentences.append(
                    ngettext(
                        "There was %(count)s result, averaging %(average)s%%.",
                        "There were %(count)s results, averaging %(average)s%%.",
                        assessments["count"],
                    )
                    % {"count": assessments["count"], "average": assessments["average"]}
                )
            else:
                sentences.append(
                    ngettext("There was %(count)s result.", "There were %(count)s results.", assessments["count"])
                    % {"count": assessments["count"]}
                )
            for row in assessments["by_subject"]:
                if row["direction"] == "up":
                    sentences.append(
                        _("%(subject)s went up from %(first)s%% to %(latest)s%%.")
                        % {"subject": row["subject"], "first": row["first"], "latest": row["latest"]}
                    )
                elif row["direction"] == "down":
                    sentences.append(
                        _("%(subject)s went down from %(first)s%% to %(latest)s%%: worth a word with the teacher.")
                        % {"subject": row["subject"], "first": row["first"], "latest": row["latest"]}
                    )
        else:
            sentences.append(_("No results were recorded in this period."))
    competencies = content.get("competencies")
    if competencies is not None and competencies["axes"]:
        sentences.append(
            _("%(judged)s of %(total)s competencies have a level so far.")
            % {"judged": competencies["judged"], "total": len(competencies["axes"])}
        )
    goals = content.get("goals") or {}
    active = sum(1 for goal in goals.get("goals", []) if goal["status"] == "active")
    if active:
        sentences.append(
            ngettext(
                "%(child)s is working towards %(count)s shared goal.",
                "%(child)s is working towards %(count)s shared goals.",
                active,
            )
            % {"child": child, "count": active}
        )
    milestones = len(goals.get("milestones", []))
    if milestones:
        sentences.append(
            ngettext("%(child)s reached %(count)s milestone.", "%(child)s reached %(count)s milestones.", milestones)
            % {"child": child, "count": milestones}
        )
    return " ".join(sentences)


def model_text(content: dict, *, language: str, names: list[str]) -> str | None:
    """The model's summary with the placeholder still in it, or None on any failure."""
    system = SYSTEM_PROMPT.format(child=CHILD_PLACEHOLDER, language=LANGUAGE_NAMES_EN.get(language, "English"))
    prompt = "Facts from the report (JSON):\n" + json.dumps(
        facts_for_model(content), ensure_ascii=False, sort_keys=True
    )
    prompt = scrub(prompt, names)
    try:
        text = llm.complete(system=system, prompt=prompt)
    except llm.ModelUnavailable:
        return None
    return text.strip()[:MAX_MODEL_CHARS] or None


def write_narrative(report, content: dict) -> tuple[str, str]:
    """(text, source) for `report` in its language: the model's when configured and consented,
    else (and on any failure of the model) the fixed sentences."""
    pupil = report.pupil
    child = pupil.known_as
    with translation.override(report.language):
        if llm.configured() and may_use_ai_for(pupil):
            names = [pupil.first_name, pupil.last_name, pupil.preferred_name, pupil.full_name]
            text = model_text(content, language=report.language, names=names)
            if text:
                return fill_in(text, child=child), MODEL
        return template_text(content, child=child), TEMPLATE
