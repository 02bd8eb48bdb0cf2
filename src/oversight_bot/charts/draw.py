"""A `Chart` as a PNG: matplotlib's object API (a `Figure` per chart, no pyplot and so no global
state shared between threads) on the Agg backend.

Accessible by construction: both axes labelled with what and in which units, every series told
apart by line style and marker as well as colour, every point's figure written beside it, and the
figures in the PNG's metadata (`Description`: the alt text; `Data`: the points drawn, as JSON, read
back from what matplotlib plotted).
"""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Any

from oversight_bot.chat.replies import Chart, ChartKind, Series, SeriesRole

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_IN, LINE_HEIGHT_IN, DPI = 8.0, 4.2, 100  # 800 x 420 pixels: within Teams' 1024 x 1024 for card images
BAR_IN, BARS_MARGIN_IN, MAX_HEIGHT_IN = 0.27, 1.6, 10.2
# NHS identity colours (blue, dark grey, purple): each also has its own line style and marker.
STYLES: dict[SeriesRole, dict[str, Any]] = {
    SeriesRole.SUBJECT: {"color": "#005eb8", "linestyle": "-", "marker": "o", "linewidth": 2.2, "markersize": 7},
    SeriesRole.PEERS: {"color": "#425563", "linestyle": "--", "marker": "s", "linewidth": 1.6, "markersize": 6},
    SeriesRole.ALL: {"color": "#330072", "linestyle": ":", "marker": "^", "linewidth": 1.6, "markersize": 6},
}
BAND: dict[str, Any] = {"color": "#e8edee", "edgecolor": "#768692", "hatch": "//", "linewidth": 0.8}
PALETTE_COLOURS = 32  # a paletted PNG: a third of the size, so that it fits inside a Teams card (28 KB)


def png(chart: Chart) -> bytes:
    """The chart drawn, as PNG bytes, with its figures in the PNG's text chunks."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, _height(chart)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    drawn = _bars(axes, chart) if chart.kind is ChartKind.BARS else _lines(axes, chart)
    axes.set_title(chart.title, fontsize=11, loc="left")
    # A figure-level label, so that the constrained layout keeps room for it under the axis label.
    figure.supxlabel(_fit(chart.source, 150), x=0.01, ha="left", fontsize=6.5, color="#425563")
    buffer = io.BytesIO()
    metadata = {"Title": chart.title, "Description": chart.alt_text, "Source": chart.source, "Data": json.dumps(drawn)}
    figure.savefig(buffer, format="png", metadata=metadata)
    return _paletted(buffer.getvalue(), metadata)


# A chart of no one's data, drawn once by a server as it starts (`warm_up`).
PRACTICE = Chart(
    key="practice",
    kind=ChartKind.LINE,
    title="practice",
    categories=("Q1", "Q2"),
    series=(Series("a", SeriesRole.SUBJECT, (1.0, 2.0), (0.5, 1.5), (1.5, 2.5), ("a", "b")),),
    value_label="value",
    category_label="quarter",
    alt_text="practice",
    source="practice",
)


def warm_up() -> None:
    """Pay what the first chart of a process costs (matplotlib's import, its fonts, the renderer)
    before anyone asks for one: a server calls this on a thread of its own once it is ready, so
    that the first chart a user waits for is drawn as quickly as every later one."""
    png(PRACTICE)


def _height(chart: Chart) -> float:
    if chart.kind is ChartKind.BARS:
        return min(MAX_HEIGHT_IN, BARS_MARGIN_IN + BAR_IN * len(chart.categories))
    return LINE_HEIGHT_IN


def _lines(axes: Axes, chart: Chart) -> dict[str, Any]:
    """Quarters along the bottom; each series a line, a range drawn as a hatched bar (quartiles)
    or as error bars (a likely range); each point labelled with its figure."""
    positions = list(range(len(chart.categories)))
    above = _subject_above(chart)
    drawn = []
    for series in chart.series:
        style = STYLES[series.role]
        ys = [math.nan if p is None else p for p in series.points]
        _ranges(axes, series, positions, style)
        (line,) = axes.plot(positions, ys, label=series.label, **style)
        for x, y, note in zip(positions, ys, _notes(series), strict=True):
            if not math.isnan(y):
                text = (f"{y:.2f}" if chart.lower_is_better else f"{y:g}") + (f"\n{note}" if note else "")
                up = above[x] if series.role is SeriesRole.SUBJECT else not above[x]
                axes.annotate(text, (x, y), textcoords="offset points", xytext=(0, 9) if up else (0, -11),
                              va="bottom" if up else "top", ha="center", fontsize=8, color=style["color"])  # fmt: skip
        drawn.append({"label": series.label, "points": [_plain(y) for y in list(line.get_ydata())]})  # type: ignore[arg-type]
    axes.set_xticks(positions, list(chart.categories))
    axes.set_xlim(-0.6, len(positions) - 0.4)
    axes.set_xlabel(chart.category_label)
    axes.set_ylabel(chart.value_label)
    if chart.lower_is_better:
        axes.set_ylim(4.0, 1.0)  # scores: 1 is best, at the top
    else:
        axes.margins(y=0.25)
    axes.grid(axis="y", color="#d8dde0", linewidth=0.6)
    axes.legend(loc="best", fontsize=8, framealpha=0.92)
    return {"kind": chart.kind.value, "categories": list(chart.categories), "series": drawn}


def _subject_above(chart: Chart) -> list[bool]:
    """Per category, whether the subject's point is drawn above the others' (its label goes above
    it, theirs below, so that figures never overlap)."""
    subject = next((s for s in chart.series if s.role is SeriesRole.SUBJECT), None)
    found = []
    for index in range(len(chart.categories)):
        mine = subject.points[index] if subject else None
        others = [p for s in chart.series if s is not subject and (p := s.points[index]) is not None]
        if mine is None or not others:
            found.append(True)
            continue
        best_other = min(others) if chart.lower_is_better else max(others)
        found.append(mine <= best_other if chart.lower_is_better else mine >= best_other)
    return found


def _ranges(axes: Axes, series: Series, positions: list[int], style: dict[str, Any]) -> None:
    spans = [
        (x, low, high) for x, low, high in zip(positions, series.low, series.high, strict=False) if low is not None
        and high is not None
    ]  # fmt: skip
    if not spans:
        return
    if series.role is SeriesRole.PEERS:
        axes.bar([x for x, _, _ in spans], [h - lo for _, lo, h in spans], bottom=[lo for _, lo, _ in spans],
                 width=0.32, label="Lower to upper quartile of peers", zorder=0, **BAND)  # fmt: skip
        return
    xs = [x for x, _, _ in spans]
    middles = [(lo + h) / 2 for _, lo, h in spans]
    halves = [(h - lo) / 2 for _, lo, h in spans]
    axes.errorbar(xs, middles, yerr=halves, fmt="none", ecolor=style["color"], capsize=6, elinewidth=1.2,
                  label=f"{series.label}: likely range")  # fmt: skip


def _notes(series: Series) -> tuple[str, ...]:
    return series.notes if series.notes else ("",) * len(series.points)


def _bars(axes: Axes, chart: Chart) -> dict[str, Any]:
    """One bar per category, top to bottom in the chart's order, its figure written at its end."""
    series = chart.series[0]
    positions = list(range(len(chart.categories)))
    widths = [0.0 if p is None else p for p in series.points]
    bars = axes.barh(positions, widths, color=STYLES[series.role]["color"], height=0.62, label=series.label)
    for x, y in zip(widths, positions, strict=True):
        axes.annotate(f"{x:.2f}", (x, y), textcoords="offset points", xytext=(4, 0), va="center", fontsize=8)
    axes.set_yticks(positions, list(chart.categories), fontsize=7.5)
    axes.invert_yaxis()  # the first category (the worst) at the top
    axes.set_xlim(0, 4.4 if chart.lower_is_better else max(widths, default=1) * 1.15)
    if chart.lower_is_better:
        axes.set_xticks([1, 2, 3, 4])
    axes.set_xlabel(chart.value_label)
    axes.set_ylabel(chart.category_label)
    axes.grid(axis="x", color="#d8dde0", linewidth=0.6)
    points = [_plain(bar.get_width()) for bar in bars]
    return {"kind": chart.kind.value, "categories": list(chart.categories),
            "series": [{"label": series.label, "points": points}]}  # fmt: skip


def _plain(value: object) -> float | None:
    number = float(str(value))
    return None if math.isnan(number) else round(number, 6)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paletted(data: bytes, metadata: dict[str, str]) -> bytes:
    """The PNG with at most 32 colours (flat colours and anti-aliased text need no more), keeping
    its text chunks."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        info.add_itxt(key, value)
    with Image.open(io.BytesIO(data)) as image:
        # Octree keeps the few flat colours exact (median cut merged the blue into the greys).
        paletted = image.convert("RGB").quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        paletted.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()
