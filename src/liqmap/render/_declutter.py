"""Place the overlay charts' line labels so none overlaps another or the chart's other text.

Matplotlib: :func:`declutter` measures the rendered boxes and moves each label to the first free
slot (either side of its line, three heights). Plotly and the dashboard cannot measure before
drawing; :func:`slots` does the same placement on estimated text sizes (the browser test checks
the rendered boxes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

__all__ = ["HEIGHTS", "boxes_overlap", "declutter", "lift_annotations", "slots"]

HEIGHTS = (0.02, 0.30, 0.58)
_SIDES: tuple[Literal["left", "right"], ...] = ("right", "left")
_PAD = 2.0  # pixels between boxes


def boxes_overlap(a: Bbox, b: Bbox, pad: float = 0.0) -> bool:
    """True when two display-space boxes intersect (``pad`` pixels of margin)."""
    return not (
        a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0
    )


def _others(fig: Figure, mine: Sequence[Text]) -> list[Bbox]:
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ids = {id(t) for t in mine}
    out = []
    for ax in fig.axes:
        for t in ax.texts:
            if id(t) not in ids and t.get_visible() and t.get_text().strip():
                out.append(t.get_window_extent(r))
    return out


def declutter(fig: Figure, labels: Sequence[Text]) -> None:
    """Move each of ``labels`` (rotated line labels at axes-fraction heights, anchored at their
    line's x) to the first of six slots (right/left of the line x three heights) that overlaps
    neither an already placed label nor any other text of the figure; if none is free of the
    others, the first free of the placed labels."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    others = _others(fig, labels)
    placed: list[Bbox] = []
    for t in labels:
        x = t.get_position()[0]
        best: tuple[Literal["left", "right"], float] | None = None
        fallback: tuple[Literal["left", "right"], float] | None = None
        for y in HEIGHTS:
            for ha in _SIDES:
                t.set_position((x, y))
                t.set_horizontalalignment(ha)
                box = t.get_window_extent(r)
                if any(boxes_overlap(box, p, _PAD) for p in placed):
                    continue
                fallback = fallback or (ha, y)
                if not any(boxes_overlap(box, o, _PAD) for o in others):
                    best = (ha, y)
                    break
            if best:
                break
        ha, y = best or fallback or ("right", HEIGHTS[0])
        t.set_position((x, y))
        t.set_horizontalalignment(ha)
        placed.append(t.get_window_extent(r))


def _label_box(a: Annotation, renderer: object, dpi: float) -> Bbox:
    """The box an annotation's label covers: its text plus the frame's padding (read from the
    annotation's own box style; not its arrow)."""
    a.update_positions(renderer)  # type: ignore[arg-type]
    box = Text.get_window_extent(a, renderer)  # type: ignore[arg-type]
    patch = a.get_bbox_patch()
    pad_frac = float(getattr(patch.get_boxstyle(), "pad", 0.0)) if patch is not None else 0.0
    pad = float(a.get_fontsize()) * pad_frac * dpi / 72.0  # the pad is a share of the font size
    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def lift_annotations(fig: Figure, labels: Sequence[Annotation], step_pt: float = 14.0) -> None:
    """Raise each of ``labels`` (point-offset annotations, left to right) by ``step_pt`` points at
    a time until its box overlaps neither a label placed before it nor any other text of the
    figure (the current-price tag, the side titles); the boxes are measured as rendered."""
    if not labels:
        return
    fig.canvas.draw()
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    placed = _others(fig, labels)
    for a in labels:
        x, y = a.xyann
        for _ in range(40):  # at most 40 steps (560 points): more than any chart is high
            box = _label_box(a, r, fig.dpi)
            if not any(boxes_overlap(box, p, _PAD) for p in placed):
                break
            y += step_pt
            a.xyann = (x, y)
        placed.append(_label_box(a, r, fig.dpi))


def slots(
    xs: Sequence[float], lengths: Sequence[float], thickness: float
) -> list[tuple[str, float]]:
    """Plotly/dashboard placement on estimates: ``xs`` are the lines' x as chart fractions,
    ``lengths`` each rotated label's height (chart fraction of the height), ``thickness`` its
    width (chart fraction of the width). Returns (side, height) per label: side ``right`` puts
    the label left of its line (text anchored at its right), as matplotlib's ``ha``."""
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[str, float]] = []
    for x, ln in zip(xs, lengths, strict=True):
        choice = ("right", HEIGHTS[0])
        for y in HEIGHTS:
            ok = False
            for ha in ("right", "left"):
                x0 = x - thickness if ha == "right" else x
                box = (x0, y, x0 + thickness, y + ln)
                if not any(
                    box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3]
                    for p in placed
                ):
                    choice, ok = (ha, y), True
                    placed.append(box)
                    break
            if ok:
                break
        out.append(choice)
    return out
