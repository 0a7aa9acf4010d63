"""Charts with one house style, built as plotly figure dictionaries (no graph-object validation).

Each builder takes tidy tables and returns a :class:`Chart`. In JupyterLab a chart draws through
plotly's own mimetype; in an exported report it is the HTML that plotly's ``to_html`` writes
(without the library: reports load one local plotly.js). ``chart.figure()`` gives a
``plotly.graph_objects.Figure`` for an analyst who wants to change it.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from ..core.frames import each_row
from ..i18n import fmt_target, t

PLOTLY_MIME = "application/vnd.plotly.v1+json"
STATUS_COLORS = {
    "achieved": "#1a9850", "not_achieved": "#d73027", "incomplete": "#80b1d3",
    "no_data": "#9e9e9e", "not_collected": "#cfcfcf",
}
# the heat map's cells: the verdict, paler where the statistics leave it uncertain
HEAT_ORDER = ["achieved", "achieved_unsure", "not_achieved_unsure", "not_achieved", "incomplete", "no_data",
              "not_collected"]
HEAT_COLORS = {"achieved": "#1a9850", "achieved_unsure": "#a6d96a", "not_achieved_unsure": "#fdae61",
               "not_achieved": "#d73027", "incomplete": "#80b1d3", "no_data": "#9e9e9e", "not_collected": "#cfcfcf"}
FONT = "Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "", "zerolinecolor": "#EBF0F8",
         "automargin": True, "zerolinewidth": 2, "title": {"standoff": 15}}
CONFIG = {"responsive": True, "displaylogo": False}


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray | pd.Series | pd.Index):
        return [_jsonable(v) for v in np.asarray(x, dtype=object).tolist()]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


class Chart:
    """A plotly figure as a dictionary; displays itself in JupyterLab and in exported reports."""

    _ids: dict[str, int] = {}

    def __init__(self, data: list[dict], layout: dict):
        self.spec = _jsonable({"data": data, "layout": layout})

    @property
    def data(self) -> list[dict]:
        return self.spec["data"]

    @property
    def layout(self) -> dict:
        return self.spec["layout"]

    def figure(self):
        """The chart as a ``plotly.graph_objects.Figure`` (validated by plotly)."""
        import plotly.graph_objects as go

        return go.Figure(self.spec)

    def div_id(self) -> str:
        digest = "gm-" + hashlib.sha1(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()[:12]
        n = Chart._ids.get(digest, 0)
        Chart._ids[digest] = n + 1
        return digest if n == 0 else f"{digest}-{n}"

    def to_html(self) -> str:
        """The chart's ``<div>`` and the script that draws it with the page's plotly.js."""
        import plotly.io as pio

        body = pio.to_html(self.spec, include_plotlyjs=False, full_html=False, validate=False,
                           div_id=self.div_id(), config=CONFIG)
        return f'<div class="gm-plot">{body}</div>'

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {PLOTLY_MIME: {**self.spec, "config": CONFIG}, "text/html": self.to_html()}


class Charts(list):
    """Several charts shown one after another: a cell's result, or one of the parts given to ``display``."""

    def _ipython_display_(self):
        from IPython.display import display

        display(*self)


def _layout(title: str, height: int, lang: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "x": 0, "font": {"size": 15}}, "height": height,
        "font": {"family": FONT, "size": 12, "color": "#2a3f5f"}, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "hovermode": "closest", "margin": {"l": 10, "r": 20, "t": 50, "b": 40},
        "legend": {"orientation": "h", "y": -0.15}, "xaxis": dict(_AXIS), "yaxis": dict(_AXIS),
        "separators": ",." if lang == "vi" else ".,",   # decimal, then thousands
    }
    for k, v in extra.items():
        if k in ("xaxis", "yaxis"):
            layout[k] = {**layout[k], **v}
        else:
            layout[k] = v
    return layout


def empty(title: str, lang: str) -> Chart:
    return Chart([], _layout(title, 200, lang, annotations=[{
        "text": t("no_chart_data", lang), "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
        "yref": "paper"}], xaxis={"visible": False}, yaxis={"visible": False}))


_HATCH = {"fillmode": "overlay", "fgcolor": "#ffffff", "size": 7, "solidity": 0.35}   # white lines over the colour


def _unsure_pattern(d: pd.DataFrame) -> dict:
    """Hatched bars where the statistics qualify the verdict (small numbers, or within the range of chance)."""
    unsure = d.certainty.astype(str).isin(["uncertain", "small_numbers"]) if "certainty" in d else \
        pd.Series(False, index=d.index)
    return {"shape": ["/" if u else "" for u in unsure], **_HATCH}


def _unsure_key(d: pd.DataFrame, lang: str, horizontal: bool = False) -> list[dict]:
    """A legend entry that says what the hatching means, when a bar is hatched."""
    if "certainty" not in d or not d.certainty.astype(str).isin(["uncertain", "small_numbers"]).any():
        return []
    xy = {"x": [None], "y": [None]}
    return [{"type": "bar", **xy, "orientation": "h" if horizontal else "v", "name": t("chart_unsure", lang),
             "marker": {"color": "#9e9e9e", "pattern": {"shape": "/", **_HATCH}}, "hoverinfo": "skip"}]


def _verdict_hover(d: pd.DataFrame, head: str) -> dict:
    """The hover text: the value, then the verdict in words with its qualification (``verdict``, when given)."""
    if "verdict" not in d:
        return {"hovertemplate": head + "<extra></extra>"}
    return {"customdata": d.verdict.astype(str).tolist(), "hovertemplate": head + " · %{customdata}<extra></extra>"}


def _zero_nan(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, x)


def progress_chart(prog: pd.DataFrame, labels: dict[str, str], milestone: int, title: str, x_title: str,
                   lang: str = "vi") -> Chart:
    """Progress ratio towards the milestone target per indicator, with its 95% interval, by status."""
    d = prog[(prog.milestone == milestone) & prog.progress_ratio.notna()]
    if d.empty:
        return empty(title, lang)
    d = d.iloc[::-1]   # the first indicator on top
    col = {c: d[c].to_numpy(dtype=float) for c in ("baseline", "target", "ci_low", "ci_high", "progress_ratio")}
    span = col["target"] - col["baseline"]
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = (col["ci_low"] - col["baseline"]) / span
        hi = (col["ci_high"] - col["baseline"]) / span
    lo, hi = np.fmin(lo, hi), np.fmax(lo, hi)
    bds = d.breakdown.tolist() if "breakdown" in d else [""] * len(d)
    labels = [labels.get(i, i) + ((" (" + (t(f"breakdown_{b}", lang) if b else "") + ")") if b != "" else "")
              for i, b in zip(d.indicator.tolist(), bds, strict=True)]
    status = d.status.tolist()
    pr = np.clip(col["progress_ratio"], -1, 2)
    data = []
    for s in dict.fromkeys(x for x in status if isinstance(x, str)):   # in order of first appearance
        at = np.flatnonzero([x == s for x in status])
        g = d.iloc[at]
        data.append({
            "type": "bar", "y": [labels[k] for k in at], "x": pr[at], "orientation": "h",
            "name": t(f"status_{s}", lang),
            "marker": {"color": STATUS_COLORS.get(s, "#777"), "pattern": _unsure_pattern(g)},
            "error_x": {"type": "data", "symmetric": False,
                        "array": _zero_nan(np.maximum(np.clip(hi[at], -1, 2) - pr[at], 0)),
                        "arrayminus": _zero_nan(np.maximum(pr[at] - np.clip(lo[at], -1, 2), 0)),
                        "color": "#555", "thickness": 1},
            **_verdict_hover(g, "%{y}: %{x:.2f}"),
        })
    data += _unsure_key(d, lang, horizontal=True)
    shapes = [{"type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
               "line": {"dash": "dash", "color": "#333"}}]
    return Chart(data, _layout(title, 120 + 26 * len(d), lang, barmode="overlay", shapes=shapes,
                               xaxis={"title": {"text": x_title, "standoff": 15}, "range": [-1, 2.05]}))


def series_chart(obs: pd.DataFrame, targets: pd.DataFrame, title: str, lang: str = "vi", unit: str = "") -> Chart:
    """An indicator's yearly values (with 95% intervals where known) and its milestone targets."""
    d = obs.sort_values("year")
    if d.empty or d.value.isna().all():
        return empty(title, lang)
    line = {"type": "scatter", "x": d.year, "y": d.value, "mode": "lines+markers", "name": t("col_value", lang),
            "line": {"color": "#08519c"}}
    if "ci_low" in d and d.ci_low.notna().any():
        line["error_y"] = {"type": "data", "symmetric": False, "array": (d.ci_high - d.value).fillna(0),
                           "arrayminus": (d.value - d.ci_low).fillna(0), "color": "#9ecae1"}
    data = [line]
    for tg in each_row(targets):
        label = f"{t('chart_target', lang)} {tg.year} ({fmt_target(tg.op, tg.value, tg.value_high, unit, lang, words=False)})"
        x = [tg.year - 0.4, tg.year + 0.4]
        if tg.op == "between":  # a band: both bounds, filled between
            data.append({"type": "scatter", "x": x, "y": [tg.value_high] * 2, "mode": "lines",
                         "line": {"color": "#d73027", "dash": "dash"}, "showlegend": False, "hoverinfo": "skip"})
            data.append({"type": "scatter", "x": x, "y": [tg.value] * 2, "mode": "lines",
                         "line": {"color": "#d73027", "dash": "dash"}, "fill": "tonexty",
                         "fillcolor": "rgba(215,48,39,0.12)", "name": label})
        else:
            data.append({"type": "scatter", "x": x, "y": [tg.value] * 2, "mode": "lines",
                         "line": {"color": "#d73027", "dash": "dash", "width": 3}, "name": label})
    return Chart(data, _layout(title, 380, lang, xaxis={"dtick": 1, "title": {"text": t("col_year", lang), "standoff": 15}}))


def districts_chart(prog: pd.DataFrame, title: str, lang: str = "vi", unit: str = "", target: bool = True) -> Chart:
    """One indicator in one year across the areas: value, 95% interval, and (at a milestone) the target line."""
    d = prog[prog.value.notna()].sort_values("value")
    if d.empty:
        return empty(title, lang)
    if len(d) > MANY_AREAS:   # dozens of communes: a bar per row, every name legible
        return _areas_rows_chart(d, title, lang, unit)
    data = [{"type": "bar", "x": d.name, "y": d.value,
             "marker": {"color": [STATUS_COLORS.get(s, "#777") for s in d.status], "pattern": _unsure_pattern(d)},
             "error_y": {"type": "data", "symmetric": False, "array": (d.ci_high - d.value).fillna(0),
                         "arrayminus": (d.value - d.ci_low).fillna(0), "color": "#555"},
             "name": t("col_value", lang), "showlegend": False, **_verdict_hover(d, "%{x}: %{y:.1f}")},
            *_unsure_key(d, lang)]
    if not target:
        return Chart(data, _layout(title, 420, lang, margin={"l": 10, "r": 20, "t": 90, "b": 40}))
    op, low, high = d.target_op.iloc[0], d.target.iloc[0], d.target_high.iloc[0]
    label = f"{t('chart_target', lang)} {fmt_target(op, low, high, unit, lang, words=False)}"
    if op == "between":  # a band between the two bounds
        shapes = [{"type": "rect", "x0": 0, "x1": 1, "xref": "x domain", "y0": low, "y1": high, "yref": "y",
                   "line": {"width": 1, "dash": "dash", "color": "#d73027"}, "fillcolor": "rgba(215,48,39,0.10)"}]
        notes = [{"text": label, "x": 0, "xref": "x domain", "y": high, "yref": "y", "showarrow": False,
                  "xanchor": "left", "yanchor": "bottom"}]
    else:
        shapes = [{"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": low, "y1": low, "yref": "y",
                   "line": {"dash": "dash", "color": "#d73027"}}]
        notes = [{"text": label, "x": 1, "xref": "x domain", "y": low, "yref": "y", "showarrow": False,
                  "xanchor": "right", "yanchor": "bottom"}]
    return Chart(data, _layout(title, 420, lang, shapes=shapes, annotations=notes,
                               margin={"l": 10, "r": 20, "t": 90, "b": 40},   # the key between title and plot
                               legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"}))


MANY_AREAS = 20   # above this many areas, the areas chart lays its bars out as rows (names on the left)


def _areas_rows_chart(d: pd.DataFrame, title: str, lang: str, unit: str) -> Chart:
    """:func:`districts_chart` for many areas: horizontal bars, smallest value at the bottom, the target as a
    vertical line (a band as a shaded column), one row of 16 px per area. A verdict the statistics leave
    uncertain is drawn in the heat map's paler colour, not hatched (dozens of hatched bars weigh megabytes
    in a printed PDF), with the heat map's key."""
    status = d.status.astype(str)
    unsure = d.certainty.astype(str).isin(["uncertain", "small_numbers"]) & status.isin(["achieved", "not_achieved"]) \
        if "certainty" in d else pd.Series(False, index=d.index)
    cell = status.where(~unsure, status + "_unsure")
    data = [{"type": "bar", "y": d.name, "x": d.value, "orientation": "h",
             "marker": {"color": [HEAT_COLORS.get(c, "#777") for c in cell]},
             "error_x": {"type": "data", "symmetric": False, "array": (d.ci_high - d.value).fillna(0),
                         "arrayminus": (d.value - d.ci_low).fillna(0), "color": "#555", "thickness": 1},
             "name": t("col_value", lang), "showlegend": False, **_verdict_hover(d, "%{y}: %{x:.1f}")}]
    data += [{"type": "bar", "x": [None], "y": [None], "orientation": "h", "name": t(f"heat_{c}", lang),
              "marker": {"color": HEAT_COLORS[c]}, "hoverinfo": "skip"} for c in HEAT_ORDER if c in set(cell)]
    op, low, high = d.target_op.iloc[0], d.target.iloc[0], d.target_high.iloc[0]
    label = f"{t('chart_target', lang)} {fmt_target(op, low, high, unit, lang, words=False)}"
    if op == "between":
        shapes = [{"type": "rect", "y0": 0, "y1": 1, "yref": "y domain", "x0": low, "x1": high, "xref": "x",
                   "line": {"width": 1, "dash": "dash", "color": "#d73027"}, "fillcolor": "rgba(215,48,39,0.10)"}]
    else:
        shapes = [{"type": "line", "y0": 0, "y1": 1, "yref": "y domain", "x0": low, "x1": low, "xref": "x",
                   "line": {"dash": "dash", "color": "#d73027"}}]
    data.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": label,   # the target's key
                 "line": {"dash": "dash", "color": "#d73027"}, "hoverinfo": "skip"})
    return Chart(data, _layout(title, 160 + 16 * len(d), lang, shapes=shapes,
                               yaxis={"type": "category", "tickfont": {"size": 10}, "dtick": 1},
                               legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
                               margin={"l": 10, "r": 20, "t": 90, "b": 40}))


def feasibility_chart(history: pd.DataFrame, band: pd.DataFrame, national: pd.DataFrame,
                      proposed: pd.DataFrame, title: str, lang: str = "vi") -> Chart:
    """The history, the projection on the trend with its 95% band, national and proposed targets."""
    if history.empty or history.value.isna().all():
        return empty(title, lang)
    data = []
    b = band.sort_values("year")
    if not b.empty:
        data.append({"type": "scatter", "x": list(b.year) + list(b.year[::-1]),
                     "y": list(b.pi_high) + list(b.pi_low[::-1]), "fill": "toself",
                     "fillcolor": "rgba(8,81,156,0.12)", "line": {"width": 0}, "name": t("chart_band", lang),
                     "hoverinfo": "skip"})
        data.append({"type": "scatter", "x": b.year, "y": b.projected, "mode": "lines",
                     "line": {"color": "#08519c", "dash": "dot"}, "name": t("chart_projection", lang)})
    h = history.sort_values("year")
    data.append({"type": "scatter", "x": h.year, "y": h.value, "mode": "lines+markers", "line": {"color": "#08519c"},
                 "name": t("col_value", lang)})
    for frame, color, symbol, key in ((national, "#d73027", "diamond", "chart_national"),
                                      (proposed, "#1a9850", "star", "chart_proposed")):
        if not frame.empty:
            data.append({"type": "scatter", "x": frame.year, "y": frame.value, "mode": "markers", "name": t(key, lang),
                         "marker": {"color": color, "symbol": symbol, "size": 12}})
    return Chart(data, _layout(title, 400, lang, xaxis={"dtick": 2, "title": {"text": t("col_year", lang), "standoff": 15}}))


def status_heatmap(prog: pd.DataFrame, row_labels: dict[str, str], milestone: int, title: str,
                   lang: str = "vi") -> Chart:
    """Areas × indicators coloured by the verdict at the milestone, paler where it is uncertain
    (small numbers, or an interval across the target)."""
    d = prog[(prog.milestone == milestone) & (prog.breakdown == "")]
    if d.empty:
        return empty(title, lang)
    status = d.status.astype(str)
    unsure = d.certainty.astype(str).isin(["uncertain", "small_numbers"]) & status.isin(["achieved", "not_achieved"])
    cell = status.where(~unsure, status + "_unsure")
    codes = d.assign(z=cell.map({s: i for i, s in enumerate(HEAT_ORDER)}).astype(float), cell=cell)
    z = codes.pivot_table(index="unit", columns="indicator", values="z", aggfunc="first", observed=True)
    txt = codes.pivot_table(index="unit", columns="indicator", values="cell", aggfunc="first",
                            observed=True).reindex_like(z)
    n = len(HEAT_ORDER)
    scale = []
    for i, s in enumerate(HEAT_ORDER):
        scale += [[i / n, HEAT_COLORS[s]], [(i + 1) / n, HEAT_COLORS[s]]]
    hover = txt.map(lambda s: t(f"heat_{s}", lang) if isinstance(s, str) else "")
    data = [{"type": "heatmap", "z": z.to_numpy().tolist(), "x": [str(c) for c in z.columns],
             "y": [row_labels.get(u, u) for u in z.index], "zmin": -0.5, "zmax": n - 0.5, "colorscale": scale,
             "text": hover.to_numpy().tolist(), "hovertemplate": "%{y} · %{x}: %{text}<extra></extra>",
             "colorbar": {"tickvals": list(range(n)), "ticktext": [t(f"heat_{s}", lang) for s in HEAT_ORDER]},
             "xgap": 2, "ygap": 2}]
    row = 28 if len(z) <= MANY_AREAS else 18   # dozens of communes: lower rows, one screen less
    layout = _layout(title, 170 + row * len(z), lang, xaxis={"side": "top", "type": "category"},
                     margin={"l": 10, "r": 20, "t": 100, "b": 20},   # the codes on top, below the title
                     yaxis={"autorange": "reversed", **({} if len(z) <= MANY_AREAS else
                                                        {"tickfont": {"size": 10}, "dtick": 1})})
    layout["title"].update(y=0.99, yanchor="top", yref="container")
    return Chart(data, layout)
