"""Server-rendered SVG charts: a sparkline, a bar or line chart over days, and a radar of
competency levels. Each returns a `Chart`: the SVG markup (no script, no inline style, so it
passes the Content-Security-Policy and goes into a PDF as it is) and the same numbers as rows
for the table shown beside it (`templates/components/charts/chart.html`).

The radar plots each competency's level by its rank on its own scale (BE < AE < ME < EE) and
labels the rings with the level codes: a level is never turned into a percentage, and levels
are never averaged.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import cos, pi, sin

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from progress import frameworks

# GOV.UK Frontend colours, each with at least 3:1 contrast against white for graphical objects.
INK = "#0b0c0c"
GRID = "#b1b4b6"
ACCENT = "#1d70b8"
SECONDARY = "#505a5f"


@dataclass(frozen=True)
class Chart:
    svg: SafeString
    title: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    # The numbers a test or a PDF may want without parsing the markup.
    values: list = field(default_factory=list)


def _number(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(*, width: int, height: int, title: str, body: SafeString, css_class: str) -> SafeString:
    # role="img" with a title: read as one image; the table beside it carries the numbers.
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="homeroom-chart {}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" role="img" focusable="false"><title>{}</title>{}</svg>',
        css_class,
        width,
        height,
        title,
        body,
    )


def sparkline(
    points: Sequence[tuple[str, float]], *, title: str, columns: tuple[str, str], width: int = 160, height: int = 36
) -> Chart:
    """A small line of `points` ((label, value) in order), the last point marked. Empty or all-zero
    series draw a flat line along the bottom."""
    values = [float(value) for _label, value in points]
    top = max(values, default=0) or 1.0
    pad = 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coordinates = [
        (pad + index * step, height - pad - (value / top) * (height - 2 * pad)) for index, value in enumerate(values)
    ]
    body = SafeString("")
    if coordinates:
        path = " ".join(f"{_number(x)},{_number(y)}" for x, y in coordinates)
        last_x, last_y = coordinates[-1]
        body = format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round"/>'
            '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
            path,
            ACCENT,
            _number(last_x),
            _number(last_y),
            ACCENT,
        )
    return Chart(
        svg=_svg(width=width, height=height, title=title, body=body, css_class="homeroom-chart--sparkline"),
        title=title,
        columns=columns,
        rows=[(label, _plain(value)) for label, value in points],
        values=values,
    )


def _plain(value):
    value = float(value)
    return int(value) if value.is_integer() else round(value, 1)


def bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    columns: tuple[str, str],
    line: bool = False,
    width: int = 640,
    height: int = 220,
    label_every: int = 1,
) -> Chart:
    """Bars (or a line, `line=True`) of `points` ((label, value) in order) on a zero baseline, with
    the maximum marked on the axis and every `label_every`-th label under the axis."""
    values = [float(value) for _label, value in points]
    top = max(values, default=0) or 1.0
    left, right, upper, lower = 44, 8, 12, 34
    plot_width, plot_height = width - left - right, height - upper - lower
    slot = plot_width / max(len(values), 1)
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            left,
            upper + plot_height,
            width - right,
            upper + plot_height,
            INK,
        ),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1" stroke-dasharray="4 3"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">{}</text>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">0</text>',
            left,
            upper,
            width - right,
            upper,
            GRID,
            left - 4,
            upper + 4,
            INK,
            _plain(top),
            left - 4,
            upper + plot_height + 4,
            INK,
        ),
    ]
    coordinates = []
    for index, value in enumerate(values):
        bar_height = value / top * plot_height
        x = left + index * slot
        coordinates.append((x + slot / 2, upper + plot_height - bar_height))
        if not line and value > 0:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _number(x + slot * 0.15),
                    _number(upper + plot_height - bar_height),
                    _number(slot * 0.7),
                    _number(bar_height),
                    ACCENT,
                )
            )
    if line and coordinates:
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                " ".join(f"{_number(x)},{_number(y)}" for x, y in coordinates),
                ACCENT,
            )
        )
        parts.extend(
            format_html('<circle cx="{}" cy="{}" r="3" fill="{}"/>', _number(x), _number(y), ACCENT)
            for x, y in coordinates
        )
    for index, (label, _value) in enumerate(points):
        if index % max(label_every, 1) == 0 or index == len(points) - 1:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>',
                    _number(left + index * slot + slot / 2),
                    height - lower + 16,
                    INK,
                    label,
                )
            )
    return Chart(
        svg=_svg(
            width=width,
            height=height,
            title=title,
            body=mark_safe("".join(parts)),  # noqa: S308 - every part is built by format_html
            css_class="homeroom-chart--line" if line else "homeroom-chart--bar",
        ),
        title=title,
        columns=columns,
        rows=[(label, _plain(value)) for label, value in points],
        values=values,
    )


@dataclass(frozen=True)
class RadarAxis:
    """One competency on the radar: its label, and its latest judgement (scale and level code;
    empty when not judged yet) with the date shown in the table."""

    label: str
    scale: str = ""
    level: str = ""
    judged_on: str = ""


def radar_chart(
    axes: Sequence[RadarAxis], *, title: str, columns: tuple[str, str, str], width: int = 560, height: int = 400
) -> Chart:
    """A radar of competencies: each axis reaches the rank of its latest level on its own scale
    (the outer ring is the scale's top level), rings labelled with the level codes of the scale
    most axes use. An axis not judged yet has no point and says so in the table."""
    scales = [axis.scale for axis in axes if axis.scale in frameworks.SCALES]
    ring_scale = max(set(scales), key=scales.count) if scales else "cbc_rubric"
    ring_levels = frameworks.SCALES[ring_scale]
    # Wider than tall: the labels beside the left and right axes need the room.
    centre_x, centre_y = width / 2, height / 2
    radius = height / 2 - 70
    count = max(len(axes), 3)

    def point(index: int, share: float) -> tuple[float, float]:
        angle = -pi / 2 + 2 * pi * index / count
        return centre_x + cos(angle) * radius * share, centre_y + sin(angle) * radius * share

    parts = []
    for level in ring_levels:
        share = level.rank / len(ring_levels)
        ring = " ".join(f"{_number(x)},{_number(y)}" for x, y in (point(i, share) for i in range(count)))
        parts.append(format_html('<polygon points="{}" fill="none" stroke="{}" stroke-width="1"/>', ring, GRID))
        x, y = point(0, share)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" fill="{}">{}</text>',
                _number(x + 3),
                _number(y + 10),
                SECONDARY,
                level.code,
            )
        )
    plotted = []
    rows = []
    values = []
    for index, axis in enumerate(axes):
        end_x, end_y = point(index, 1)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                _number(centre_x),
                _number(centre_y),
                _number(end_x),
                _number(end_y),
                GRID,
            )
        )
        label_x, label_y = point(index, 1.12)
        anchor = "middle" if abs(label_x - centre_x) < 8 else ("start" if label_x > centre_x else "end")
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="{}" fill="{}">{}</text>',
                _number(label_x),
                _number(label_y + 4),
                anchor,
                INK,
                _short(str(axis.label)),
            )
        )
        found = frameworks.level(axis.scale, axis.level) if axis.level else None
        if found is not None:
            share = found.rank / len(frameworks.SCALES[axis.scale])
            plotted.append(point(index, share))
            rows.append((axis.label, format_html("{} ({})", found.code, found.label), axis.judged_on))
            values.append((found.code, found.rank))
        else:
            plotted.append(None)
            rows.append((axis.label, None, ""))
            values.append(None)
    shape = [spot for spot in plotted if spot is not None]
    if len(shape) >= 3:
        parts.append(
            format_html(
                '<polygon points="{}" fill="{}" fill-opacity="0.25" stroke="{}" stroke-width="2"/>',
                " ".join(f"{_number(x)},{_number(y)}" for x, y in shape),
                ACCENT,
                ACCENT,
            )
        )
    parts.extend(
        format_html('<circle cx="{}" cy="{}" r="4" fill="{}"/>', _number(x), _number(y), ACCENT) for x, y in shape
    )
    return Chart(
        svg=_svg(
            width=width,
            height=height,
            title=title,
            body=mark_safe("".join(parts)),  # noqa: S308 - every part is built by format_html
            css_class="homeroom-chart--radar",
        ),
        title=title,
        columns=columns,
        rows=rows,
        values=values,
    )


def _short(text: str, limit: int = 22) -> str:
    """Axis labels stay inside the drawing; the table gives each name in full."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
