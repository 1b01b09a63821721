"""Chart geometry for the report's inline SVG (drawn by templates/reports/_*.svg.j2).

Why SVG from templates rather than matplotlib: the charts are a handful of bars and lines, the
geometry is a few lines of arithmetic, the output is the same bytes for the same figures (the
weekly report must be reproducible), the labels stay real text (searchable, read by screen
readers and by pypdf), and WeasyPrint draws inline SVG natively, so there is no extra
dependency (matplotlib brings numpy, pillow and fonttools) for the PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FUNNEL_STAGES = (("in_scope", "In scope"), ("tested", "Tested"),
                 ("positive", "Positive"), ("referred", "Referred"),
                 ("attended", "Attended"), ("failed_to_attend", "Failed to attend"),
                 ("prosecuted", "Prosecuted"))
TREND_SERIES = (("in_scope", "In scope", "#1d4f91"), ("tested", "Tested", "#2e8540"),
                ("referred", "Referred", "#c77700"), ("failed_to_attend", "Failed to attend",
                                                      "#b10e1e"))


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: float
    width: float


def funnel_bars(figures: Mapping[str, int | float | None], *, width: float = 360,
                step: float = 26) -> list[Bar]:
    """One horizontal bar per stage, lengths proportional to the largest stage; a suppressed
    stage has no bar and reads "*"."""
    values = [figures[k] for k, _ in FUNNEL_STAGES]
    top = max([v for v in values if v is not None] + [1])
    return [Bar(label, "*" if v is None else str(v), i * step,
                0 if v is None else round(width * v / top, 1))
            for i, ((_, label), v) in enumerate(zip(FUNNEL_STAGES, values, strict=True))]


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    points: str  # SVG polyline points "x,y x,y ..."; suppressed weeks break the line
    last: str


def trend(weeks: Sequence[tuple[str, Mapping[str, int | float | None]]], *,
          width: float = 520, height: float = 180) -> dict:
    """Lines for the main stages over the weeks given (oldest first), with a y scale from 0 to
    a round maximum, and the week labels along the x axis."""
    top = max([f[k] or 0 for _, f in weeks for k, _, _ in TREND_SERIES] + [4])
    top = _nice(top)
    gap = width / max(len(weeks) - 1, 1)
    series = []
    for key, label, colour in TREND_SERIES:
        points = " ".join(f"{round(i * gap, 1)},{round(height - height * f[key] / top, 1)}"
                          for i, (_, f) in enumerate(weeks) if f[key] is not None)
        last = weeks[-1][1][key] if weeks else None
        series.append(Series(label, colour, points, "*" if last is None else str(last)))
    ticks = [(round(height - height * t / top, 1), t) for t in (0, top // 2, top)]
    labels = [(round(i * gap, 1), name.split("-")[1]) for i, (name, _) in enumerate(weeks)]
    return {"series": series, "ticks": ticks, "labels": labels, "width": width,
            "height": height}


def _nice(n: int) -> int:
    """n rounded up at its leading digit (335 -> 400, 12 -> 20, 4 -> 4): a readable axis."""
    step = 10 ** (len(str(n)) - 1)
    return -(-n // step) * step
