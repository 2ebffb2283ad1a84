"""The server-rendered charts: valid SVG (no script, no inline style), and the numbers beside them right."""

import xml.etree.ElementTree as ET

from django.template.loader import render_to_string

from progress import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == chart.title
    markup = str(chart.svg)
    assert "<script" not in markup
    assert "style=" not in markup  # the Content-Security-Policy allows no inline style
    return root


def test_sparkline_draws_one_point_per_day_and_keeps_the_numbers():
    chart = charts.sparkline([("Mon", 10), ("Tue", 0), ("Wed", 30)], title="Minutes", columns=("Day", "Minutes"))
    root = parse(chart)
    points = root.find(f"{SVG}polyline").get("points").split()
    assert len(points) == 3
    ys = [float(point.split(",")[1]) for point in points]
    assert ys[2] < ys[0] < ys[1]  # 30 highest (smallest y), 0 on the baseline
    assert chart.rows == [("Mon", 10), ("Tue", 0), ("Wed", 30)]
    assert chart.values == [10.0, 0.0, 30.0]


def test_an_empty_sparkline_is_still_valid():
    chart = charts.sparkline([], title="Nothing", columns=("Day", "Minutes"))
    parse(chart)
    assert chart.rows == []


def test_bar_chart_draws_a_bar_per_non_zero_day_scaled_to_the_maximum():
    chart = charts.bar_chart([("1", 20), ("2", 0), ("3", 40)], title="Per day", columns=("Day", "Minutes"))
    root = parse(chart)
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == 2 * heights[0]
    assert "40" in [text.text for text in root.findall(f"{SVG}text")]  # the axis maximum
    assert chart.rows[2] == ("3", 40)


def test_line_chart_has_a_point_per_value():
    chart = charts.bar_chart([("a", 1), ("b", 2)], title="Line", columns=("x", "y"), line=True)
    root = parse(chart)
    assert len(root.findall(f"{SVG}circle")) == 2
    assert root.find(f"{SVG}rect") is None


def test_labels_are_escaped():
    chart = charts.bar_chart([("<b>", 1)], title="A & B <c>", columns=("x", "y"))
    root = parse(chart)
    assert root.find(f"{SVG}title").text == "A & B <c>"


def test_radar_plots_each_level_by_its_rank_on_its_scale_and_labels_rings_with_codes():
    axes = [
        charts.RadarAxis("Communication", "cbc_rubric", "EE", "1 Nov 2026"),
        charts.RadarAxis("Critical thinking", "cbc_rubric", "BE", "1 Nov 2026"),
        charts.RadarAxis("Creativity", "cbc_rubric", "ME", "1 Nov 2026"),
        charts.RadarAxis("Citizenship"),
    ]
    chart = charts.radar_chart(axes, title="Core competencies", columns=("Competency", "Level", "Judged on"))
    root = parse(chart)
    texts = [text.text for text in root.findall(f"{SVG}text")]
    for code in ("BE", "AE", "ME", "EE"):
        assert code in texts
    assert not any("%" in text for text in texts)  # levels are never percentages
    assert chart.values == [("EE", 4), ("BE", 1), ("ME", 3), None]
    # EE sits on the outer ring, BE on the innermost: distances from the centre 4:1.
    _x, _y, width, height = (float(number) for number in root.get("viewBox").split())
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.findall(f"{SVG}circle")]
    distances = [((x - width / 2) ** 2 + (y - height / 2) ** 2) ** 0.5 for x, y in dots]
    assert round(distances[0] / distances[1], 1) == 4.0
    assert str(chart.rows[0][1]) == "EE (Exceeding Expectation)"
    assert chart.rows[3] == ("Citizenship", None, "")


def test_radar_on_the_grade_9_scale_uses_its_eight_sub_levels():
    axes = [charts.RadarAxis(name, "cbc_grade9", level) for name, level in (("a", "EE1"), ("b", "ME2"), ("c", "BE2"))]
    chart = charts.radar_chart(axes, title="Grade 9", columns=("c", "l", "d"))
    root = parse(chart)
    assert len(root.findall(f"{SVG}polygon")) == 8 + 1  # eight rings and the shape
    assert chart.values == [("EE1", 8), ("ME2", 5), ("BE2", 1)]


def test_the_chart_component_shows_the_table_beside_the_drawing():
    chart = charts.sparkline([("Mon", 5), ("Tue", 15)], title="Minutes a day", columns=("Day", "Minutes"))
    html = render_to_string("components/charts/chart.html", {"chart": chart, "chart_id": "test"})
    assert "<svg" in html
    assert '<caption id="test-caption"' in html
    assert "Minutes a day" in html
    assert (
        '<th scope="row" class="govuk-table__header">Tue</th><td class="govuk-table__cell govuk-table__cell--numeric">15</td>'
        in html
    )
