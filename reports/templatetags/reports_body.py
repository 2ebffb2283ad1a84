"""What the report's body template needs beyond its `content`: the charts drawn from the stored
figures (progress.charts, the same drawings as the parents' pages), each with a sentence that
says what it shows, and dates stored as ISO text shown in the active language."""

import base64
import datetime as dt

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from progress import charts
from reports.narrative import label_for

register = template.Library()


def _date(value: str, style: str = "j F Y") -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), style)
    except (TypeError, ValueError):
        return ""


@register.filter
def iso_date(value: str) -> str:
    """ "2026-11-16" -> "16 November 2026" (in the active language)."""
    return _date(value)


@register.filter
def narrative_label(source: str) -> str:
    return label_for(source)


def _figure(chart: charts.Chart, alt: str, key: str) -> dict:
    encoded = base64.b64encode(str(chart.svg).encode()).decode()
    return {"chart": chart, "alt": alt, "id": f"report-chart-{key}", "data_uri": f"data:image/svg+xml;base64,{encoded}"}


def activity_chart(activity: dict) -> dict | None:
    series = activity.get("series") or []
    if not series or not activity.get("minutes"):
        return None
    by_week = activity.get("by_week")
    points = [(_date(day, "j M"), minutes) for day, minutes in series]
    title = _("Minutes of learning per week") if by_week else _("Minutes of learning per day")
    chart = charts.bar_chart(
        points,
        title=title,
        columns=(_("Week from") if by_week else _("Day"), _("Minutes")),
        label_every=1 if len(points) <= 10 else 7 if not by_week else 4,
    )
    busiest_day, busiest = max(series, key=lambda point: point[1])
    alt = _(
        "Bar chart: %(minutes)s minutes of learning in the period, the most %(when)s (%(most)s minutes). "
        "The numbers are in the table."
    ) % {
        "minutes": activity["minutes"],
        "when": (_("in the week from %(day)s") if by_week else _("on %(day)s")) % {"day": _date(busiest_day)},
        "most": busiest,
    }
    return _figure(chart, alt, "activity")


def results_chart(assessments: dict) -> dict | None:
    scored = [row for row in assessments.get("results", []) if row.get("percent") is not None]
    if len(scored) < 2:
        return None
    points = [(f"{_date(row['date'], 'j M')} {row['subject']}", row["percent"]) for row in scored]
    chart = charts.bar_chart(
        points,
        title=_("Scored results in date order (percent)"),
        columns=(_("Result"), _("Percent")),
        line=True,
        label_every=1 if len(points) <= 8 else 4,
    )
    values = [row["percent"] for row in scored]
    alt = ngettext(
        "Line chart of %(count)s scored result, from %(first)s%% to %(latest)s%%; lowest %(low)s%%, highest "
        "%(high)s%%. The numbers are in the table.",
        "Line chart of %(count)s scored results, from %(first)s%% to %(latest)s%%; lowest %(low)s%%, highest "
        "%(high)s%%. The numbers are in the table.",
        len(values),
    ) % {"count": len(values), "first": values[0], "latest": values[-1], "low": min(values), "high": max(values)}
    return _figure(chart, alt, "results")


def competency_chart(competencies: dict) -> dict | None:
    axes = competencies.get("axes") or []
    if not axes:
        return None
    chart = charts.radar_chart(
        [
            charts.RadarAxis(
                label=axis["label"],
                scale=axis["scale"],
                level=axis["level"],
                judged_on=_date(axis["judged_on"], "j M Y") if axis["judged_on"] else "",
            )
            for axis in axes
        ],
        title=_("Competencies: latest level in each"),
        columns=(_("Competency"), _("Latest level"), _("Judged on")),
    )
    levels = "; ".join(f"{axis['label']}: {axis['level'] or _('not judged yet')}" for axis in axes)
    alt = _("Radar chart of the latest level in %(judged)s of %(total)s competencies. %(levels)s.") % {
        "judged": competencies.get("judged", 0),
        "total": len(axes),
        "levels": levels,
    }
    return _figure(chart, alt, "competencies")


@register.simple_tag
def report_charts(content: dict) -> dict:
    """{"activity": ..., "results": ..., "competencies": ...}: each a figure (chart, alt, id,
    data_uri) or None when there is nothing to draw."""
    content = content or {}
    return {
        "activity": activity_chart(content["activity"]) if content.get("activity") else None,
        "results": results_chart(content["assessments"]) if content.get("assessments") else None,
        "competencies": competency_chart(content["competencies"]) if content.get("competencies") else None,
    }
