"""Chart geometry for server-side SVG: the 12-month trend, a distribution, KPI gauges. Pure.

The templates draw these with SVG presentation attributes (x=, width=, fill via classes in
portal.css), so there is no script, no inline style and no third-party request, and the charts
print as crisply as the text around them.
"""
import math

TREND_W, TREND_H, PAD_L, PAD_B, PAD_T = 640, 220, 36, 28, 12
BAR_W, BAR_ROW, BAR_LABEL = 640, 26, 150


def nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def trend(points: list[dict]) -> dict:
    """Bars for new complaints and a line for closed ones, month by month."""
    top = nice_max(max([max(p["new"], p["closed"]) for p in points] + [0]))
    plot_w, plot_h = TREND_W - PAD_L - 8, TREND_H - PAD_B - PAD_T
    step = plot_w / max(len(points), 1)

    def y(v):
        return round(PAD_T + plot_h - plot_h * v / top, 1)
    bars, line = [], []
    for i, p in enumerate(points):
        x = PAD_L + i * step
        bars.append({"x": round(x + step * 0.15, 1), "y": y(p["new"]), "w": round(step * 0.7, 1),
                     "h": round(PAD_T + plot_h - y(p["new"]), 1), "label": p["period"][5:], "period": p["period"],
                     "cx": round(x + step / 2, 1), "cy": y(p["closed"]), "new": p["new"], "closed": p["closed"],
                     "ty": y(p["new"]) - 3})
        line.append(f"{round(x + step / 2, 1)},{y(p['closed'])}")
    ticks = [{"value": v, "y": y(v)} for v in (0, top // 2 if top > 1 else 0, top) if v or v == 0]
    return {"width": TREND_W, "height": TREND_H, "bars": bars, "line": " ".join(line),
            "ticks": _unique(ticks), "left": PAD_L, "right": TREND_W - 8, "base": PAD_T + plot_h,
            "label_y": TREND_H - 8}


def _unique(ticks):
    seen, out = set(), []
    for t in ticks:
        if t["value"] not in seen:
            seen.add(t["value"])
            out.append(t)
    return out


def distribution(counts: dict, limit: int = 10) -> dict:
    """Horizontal bars, largest first (the rest folded into the last row when there are more)."""
    items = sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))
    if len(items) > limit:
        items = items[:limit - 1] + [("…", sum(v for _, v in items[limit - 1:]))]
    top = max([v for _, v in items] + [1])
    total = sum(v for _, v in items) or 1
    width = BAR_W - BAR_LABEL - 60
    rows = [{"name": name, "value": v, "y": i * BAR_ROW, "w": max(round(width * v / top, 1), 1),
             "share": v / total, "tx": BAR_LABEL + max(round(width * v / top, 1), 1) + 6}
            for i, (name, v) in enumerate(items)]
    return {"width": BAR_W, "height": max(len(rows), 1) * BAR_ROW, "rows": rows, "label_w": BAR_LABEL}


def gauge(value) -> dict:
    """A half-circle gauge: the arc's path for a rate between 0 and 1 (None: no arc, shown as "—")."""
    r, cx, cy = 50, 60, 60
    if value is None:
        return {"path": "", "empty": True, "percent": None}
    v = min(max(value, 0.0), 1.0)
    angle = math.pi * (1 - v)  # from the left end (pi) clockwise towards the right end (0)
    x, y = cx + r * math.cos(angle), cy - r * math.sin(angle)
    path = f"M {cx - r} {cy} A {r} {r} 0 0 1 {round(x, 2)} {round(y, 2)}" if v > 0 else ""
    return {"path": path, "empty": False, "percent": v * 100}
