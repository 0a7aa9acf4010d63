"""Plotly figure builders with one house style. Each takes tidy tables and returns a Figure.

In notebooks the figures render through plotly's own mimetype (JupyterLab draws it natively);
``export`` turns that mimetype into an offline ``Plotly.newPlot`` call for the HTML reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .i18n import fmt_target, t

STATUS_COLORS = {
    "achieved": "#1a9850", "not_achieved": "#d73027", "inconclusive": "#f1a340",
    "no_data": "#9e9e9e", "not_collected": "#cfcfcf",
}
FONT = "Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


def setup() -> None:
    """Use plotly's mimetype renderer: JupyterLab draws it, and export converts it for offline HTML."""
    pio.renderers.default = "plotly_mimetype"


def _style(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}}, height=height, template="plotly_white",
        font={"family": FONT, "size": 12}, margin={"l": 10, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def _separators(fig: go.Figure, lang: str) -> go.Figure:
    # plotly's "separators": decimal then thousands
    fig.update_layout(separators=",." if lang == "vi" else ".,")
    return fig


def progress_chart(prog: pd.DataFrame, labels: dict[str, str], lang: str = "vi", milestone: int = 2020) -> go.Figure:
    """Progress ratio towards the milestone target per indicator, with its 95% interval, by status."""
    d = prog[(prog.milestone == milestone) & prog.progress_ratio.notna()].copy()
    if d.empty:
        return _empty(t("chart_progress_title", lang), lang)
    span = d.target - d.baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = (d.ci_low - d.baseline) / span
        hi = (d.ci_high - d.baseline) / span
    d["lo"], d["hi"] = np.fmin(lo, hi), np.fmax(lo, hi)
    d["label"] = d.indicator.map(labels).fillna(d.indicator)
    if "breakdown" in d:
        d["label"] = d.label + np.where(d.breakdown != "", " (" + d.breakdown.map(
            lambda b: t(f"breakdown_{b}", lang) if b else "") + ")", "")
    d = d.iloc[::-1]
    fig = go.Figure()
    for status, g in d.groupby("status", sort=False):
        fig.add_bar(
            y=g.label, x=g.progress_ratio.clip(-1, 2), orientation="h", name=t(f"status_{status}", lang),
            marker_color=STATUS_COLORS.get(status, "#777"),
            error_x={"type": "data", "symmetric": False,
                     "array": (g.hi.clip(-1, 2) - g.progress_ratio.clip(-1, 2)).clip(lower=0).fillna(0),
                     "arrayminus": (g.progress_ratio.clip(-1, 2) - g.lo.clip(-1, 2)).clip(lower=0).fillna(0),
                     "color": "#555", "thickness": 1},
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        )
    fig.add_vline(x=1, line_dash="dash", line_color="#333")
    fig.update_xaxes(title=t("chart_progress_x", lang), range=[-1, 2.05])
    fig.update_layout(barmode="overlay")
    return _separators(_style(fig, t("chart_progress_title", lang), 120 + 26 * len(d)), lang)


def series_chart(obs: pd.DataFrame, targets: pd.DataFrame, title: str, lang: str = "vi", unit: str = "") -> go.Figure:
    """An indicator's yearly values (with 95% intervals where known) and its milestone targets."""
    d = obs.sort_values("year")
    if d.empty or d.value.isna().all():
        return _empty(title, lang)
    fig = go.Figure()
    err = {}
    if "ci_low" in d and d.ci_low.notna().any():
        err = {"error_y": {"type": "data", "symmetric": False, "array": (d.ci_high - d.value).fillna(0),
                           "arrayminus": (d.value - d.ci_low).fillna(0), "color": "#9ecae1"}}
    fig.add_scatter(x=d.year, y=d.value, mode="lines+markers", name=t("col_value", lang),
                    line={"color": "#08519c"}, **err)
    for tg in targets.itertuples():
        label = f"{t('chart_target', lang)} {tg.year} ({fmt_target(tg.op, tg.value, tg.value_high, unit, lang, words=False)})"
        x = [tg.year - 0.4, tg.year + 0.4]
        if tg.op == "between":  # a band: both bounds, filled between
            fig.add_scatter(x=x, y=[tg.value_high] * 2, mode="lines", line={"color": "#d73027", "dash": "dash"},
                            showlegend=False, hoverinfo="skip")
            fig.add_scatter(x=x, y=[tg.value] * 2, mode="lines", line={"color": "#d73027", "dash": "dash"},
                            fill="tonexty", fillcolor="rgba(215,48,39,0.12)", name=label)
        else:
            fig.add_scatter(x=x, y=[tg.value] * 2, mode="lines", line={"color": "#d73027", "dash": "dash", "width": 3},
                            name=label)
    fig.update_xaxes(dtick=1, title=t("col_year", lang))
    return _separators(_style(fig, title, 380), lang)


def districts_chart(prog: pd.DataFrame, title: str, lang: str = "vi", unit: str = "") -> go.Figure:
    """One indicator at one milestone across districts: value, 95% interval, target line."""
    d = prog[prog.value.notna()].sort_values("value")
    if d.empty:
        return _empty(title, lang)
    fig = go.Figure()
    fig.add_bar(x=d.name, y=d.value, marker_color=[STATUS_COLORS.get(s, "#777") for s in d.status],
                error_y={"type": "data", "symmetric": False, "array": (d.ci_high - d.value).fillna(0),
                         "arrayminus": (d.value - d.ci_low).fillna(0), "color": "#555"},
                name=t("col_value", lang), hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    op, low, high = d.target_op.iloc[0], d.target.iloc[0], d.target_high.iloc[0]
    label = f"{t('chart_target', lang)} {fmt_target(op, low, high, unit, lang, words=False)}"
    if op == "between":  # a band between the two bounds
        fig.add_hrect(y0=low, y1=high, line_width=1, line_dash="dash", line_color="#d73027",
                      fillcolor="rgba(215,48,39,0.10)", annotation_text=label, annotation_position="top left")
    else:
        fig.add_hline(y=low, line_dash="dash", line_color="#d73027", annotation_text=label)
    return _separators(_style(fig, title, 420), lang)


def _empty(title: str, lang: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=t("no_chart_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, 200)


def feasibility_chart(history: pd.DataFrame, band: pd.DataFrame, national: pd.DataFrame,
                      proposed: pd.DataFrame, title: str, lang: str = "vi") -> go.Figure:
    """History (2010-2020), the projection on the trend with its 95% band, national and proposed targets."""
    if history.empty or history.value.isna().all():
        return _empty(title, lang)
    fig = go.Figure()
    b = band.sort_values("year")
    if not b.empty:
        fig.add_scatter(x=list(b.year) + list(b.year[::-1]), y=list(b.pi_high) + list(b.pi_low[::-1]),
                        fill="toself", fillcolor="rgba(8,81,156,0.12)", line={"width": 0},
                        name=t("chart_band", lang), hoverinfo="skip")
        fig.add_scatter(x=b.year, y=b.projected, mode="lines", line={"color": "#08519c", "dash": "dot"},
                        name=t("chart_projection", lang))
    h = history.sort_values("year")
    fig.add_scatter(x=h.year, y=h.value, mode="lines+markers", line={"color": "#08519c"}, name=t("col_value", lang))
    for frame, color, symbol, key in ((national, "#d73027", "diamond", "chart_national"),
                                      (proposed, "#1a9850", "star", "chart_proposed")):
        if not frame.empty:
            fig.add_scatter(x=frame.year, y=frame.value, mode="markers", name=t(key, lang),
                            marker={"color": color, "symbol": symbol, "size": 12})
    fig.update_xaxes(dtick=2, title=t("col_year", lang))
    return _separators(_style(fig, title, 400), lang)


STATUS_ORDER = ["achieved", "inconclusive", "not_achieved", "no_data", "not_collected"]


def status_heatmap(prog: pd.DataFrame, row_labels: dict[str, str], lang: str = "vi", milestone: int = 2020) -> go.Figure:
    """Districts × indicators coloured by status at the milestone (a discrete colour per status)."""
    d = prog[(prog.milestone == milestone) & (prog.breakdown == "")]
    if d.empty:
        return _empty(t("section_heatmap", lang), lang)
    codes = d.assign(z=d.status.map({s: i for i, s in enumerate(STATUS_ORDER)}))
    z = codes.pivot_table(index="unit", columns="indicator", values="z", aggfunc="first")
    txt = d.pivot_table(index="unit", columns="indicator", values="status", aggfunc="first").reindex_like(z)
    n = len(STATUS_ORDER)
    scale = []
    for i, s in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLORS[s]], [(i + 1) / n, STATUS_COLORS[s]]]
    hover = txt.map(lambda s: t(f"status_{s}", lang) if isinstance(s, str) else "")
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=list(z.columns), y=[row_labels.get(u, u) for u in z.index], zmin=-0.5, zmax=n - 0.5,
        colorscale=scale, text=hover.to_numpy(), hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        colorbar={"tickvals": list(range(n)), "ticktext": [t(f"status_{s}", lang) for s in STATUS_ORDER]},
        xgap=2, ygap=2))
    fig.update_xaxes(side="top", type="category")
    fig.update_yaxes(autorange="reversed")
    return _separators(_style(fig, t("section_heatmap", lang), 140 + 28 * len(z)), lang)
