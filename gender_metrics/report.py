"""The pieces of one unit's report, each a small object a notebook cell displays.

``r = UnitReport("439", lang="vi")`` loads the processed data once; then ``r.header()``,
``r.summary()``, ``r.results_table()``, ``r.progress_chart()``, ``r.narrative()`` … each return an
HTML block or a plotly figure. Text typed into forms is escaped: it is data, never markup.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cached_property, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from . import charts
from .catalogue import load_catalogue
from .forms import DEADLINE, SECTIONS
from .i18n import fmt_date, fmt_number, fmt_percent, fmt_target, fmt_value, t
from .ingest import load_manifest, load_table
from .paths import default_processed_dir
from .progress import plain, progress
from .units import load_units, resolve_unit, unit_label

CSS = """
<style>
.gm { font-family: 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #222; line-height: 1.45; }
.gm h1 { font-size: 1.45em; margin: 0.2em 0; } .gm h2 { font-size: 1.2em; margin: 1.2em 0 0.4em;
  border-bottom: 2px solid #08519c; padding-bottom: 2px; } .gm h3 { font-size: 1.05em; margin: 0.8em 0 0.3em; }
.gm .sub { color: #555; } .gm .prov { color: #666; font-size: 0.85em; }
.gm .sample { background: #fff3cd; border: 2px solid #d39e00; color: #6b4e00; padding: 8px 12px; font-weight: 700;
  margin: 8px 0; } .gm .real { background: #e8f4ea; border: 1px solid #1a9850; padding: 6px 12px; margin: 8px 0; }
.gm .missing { background: #fdecea; border: 1px solid #d73027; padding: 6px 12px; margin: 8px 0; font-weight: 600; }
.gm table.gmt { border-collapse: collapse; font-size: 0.88em; width: 100%; }
.gm table.gmt th { background: #deebf7; text-align: left; padding: 4px 6px; border: 1px solid #c6dbef; }
.gm table.gmt td { padding: 3px 6px; border: 1px solid #e5e5e5; vertical-align: top; }
.gm td.num { text-align: right; white-space: nowrap; }
.gm .st-achieved { color: #1a7f3c; font-weight: 600; } .gm .st-not_achieved { color: #c0261d; font-weight: 600; }
.gm .st-inconclusive { color: #b36b00; font-weight: 600; } .gm .st-no_data, .gm .st-not_collected { color: #777; }
.gm blockquote { margin: 0.3em 0 0.6em; padding: 4px 12px; border-left: 4px solid #c6dbef; background: #f7fbff;
  white-space: pre-wrap; } .gm .small { font-size: 0.82em; color: #666; }
.gm .print-only { display: none; }
@media print { .gm details { display: none; } .gm .print-only { display: block; } }
</style>
"""





def source_text(source, lang: str) -> str:
    """A source for display: a form cell as is; the district aggregate in the report's language."""
    if not isinstance(source, str):
        return ""
    m = re.fullmatch(r"sum of (\d+) districts", source)
    return t("source_sum", lang, n=int(m.group(1))) if m else source


def quality_detail(r, lang: str) -> str:
    """The reason a value is flagged, in the report's language (the table keeps the score)."""
    m = re.search(r"(\d+(?:\.\d+)?)", str(r.detail))
    x = float(m.group(1)) if m else float("nan")
    return t(f"quality_{r.check}", lang, x=fmt_number(x, 1, lang))


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


GIVEN_BY_SHOWN = 4  # units named before the rest are folded


def _given_by(units: list[str], lang: str) -> str:
    """"Do 3 đơn vị nêu: A, B, C"; a long list shows its first names and folds the rest (printed in full)."""
    if len(units) <= GIVEN_BY_SHOWN + 1:
        return f"<div class='small'>{_e(t('lessons_from', lang, n=len(units), units=', '.join(units)))}</div>"
    shown = ", ".join(units[:GIVEN_BY_SHOWN])
    more = t("and_n_more", lang, n=len(units) - GIVEN_BY_SHOWN)
    every = t("lessons_from", lang, n=len(units), units=", ".join(units))
    return (f"<details class='small'><summary>{_e(t('lessons_from', lang, n=len(units), units=shown))} {_e(more)}"
            f"</summary>{_e(', '.join(units))}</details><div class='small print-only'>{_e(every)}</div>")


def package_version() -> str:
    try:
        return version("gender_metrics")
    except PackageNotFoundError:
        return "0+unknown"


# Reports made one after another in one kernel (the batch runner) share these: the whole-table
# computations run once per data set (processed folder and data hash), not once per report.
@lru_cache(maxsize=4)
def _progress_of(processed_dir: str, data_hash: str) -> pd.DataFrame:
    return plain(progress(load_table("observations", processed_dir)))


@lru_cache(maxsize=4)
def _feasibility_of(processed_dir: str, data_hash: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from .feasibility import feasibility

    obs = load_table("observations", processed_dir)
    prop = load_table("proposed_targets", processed_dir)
    own = feasibility(obs, prop[["unit", "indicator", "year", "value"]]) if not prop.empty else None
    return feasibility(obs), own


class UnitReport:
    """Everything one report shows for ``unit`` (a code or a name), in ``lang`` ("vi" or "en")."""

    def __init__(self, unit: str, lang: str = "vi", processed_dir: str | Path | None = None):
        if lang not in ("vi", "en"):
            raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
        self.unit = resolve_unit(unit)
        self.lang = lang
        self.processed_dir = Path(processed_dir) if processed_dir else default_processed_dir()
        units = load_units().set_index("code")
        self.info = units.loc[self.unit]
        self.level = self.info.level
        self.name = unit_label(self.unit, lang)
        self.catalogue = load_catalogue()
        self.indicators = self.catalogue.for_strategy("2011-2020").set_index("id")
        self.obs = load_table("observations", self.processed_dir)
        self.manifest = load_manifest(self.processed_dir)
        charts.setup()

    # ------------------------------------------------------------------ data
    @property
    def _key(self) -> tuple[str, str]:
        return str(self.processed_dir.resolve()), self.manifest["data_hash"]

    @cached_property
    def all_progress(self) -> pd.DataFrame:
        return _progress_of(*self._key).copy()

    @cached_property
    def progress(self) -> pd.DataFrame:
        return self.all_progress[self.all_progress.unit == self.unit].reset_index(drop=True)

    @cached_property
    def submissions(self) -> pd.DataFrame:
        return load_table("submissions", self.processed_dir)

    @cached_property
    def narratives(self) -> pd.DataFrame:
        return load_table("narratives", self.processed_dir)

    @property
    def is_sample(self) -> bool:
        return self.unit != "VN" and bool(self.manifest.get("sample_units"))

    @property
    def main_indicator(self) -> str:
        """The first indicator this unit reports (a department's own), for its series chart."""
        ids = list(self.info.indicators_2011_2020) if self.level == "sector" else []
        return ids[0] if ids else "4.1"

    def _name_of(self, ind: str) -> str:
        return self.indicators.loc[ind, f"name_{self.lang}"]

    # ------------------------------------------------------------------ pieces
    def header(self) -> HTML:
        """Title, unit, the sample-data or real-data banner, submission status and provenance."""
        L = self.lang
        kind = t(f"unit_kind_{self.level}", L)
        parts = [CSS, '<div class="gm">', f"<h1>{_e(t('report_title', L))}</h1>",
                 f"<div class='sub'><b>{_e(self.name)}</b> · {_e(kind)}</div>",
                 f"<div class='sub'>{_e(t('report_subtitle', L))}</div>"]
        if self.is_sample:
            parts.append(f"<div class='sample'>{_e(t('sample_banner', L))}</div>")
        else:
            parts.append(f"<div class='real'>{_e(t('real_banner', L))}</div>")
        parts.append(self._submission_html())
        made = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
        parts.append(f"<div class='prov'>{_e(t('provenance', L, data_hash=self.manifest['data_hash'][:12], ingested=self.manifest.get('ingested_at', '?').replace('T', ' ')[:16], version=package_version(), made=made))}</div>")
        parts.append("</div>")
        return HTML("".join(parts))

    def _submission_html(self) -> str:
        L, deadline = self.lang, fmt_date(DEADLINE, self.lang)
        if self.level == "national":
            return f"<div class='sub'>{_e(t('national_note', L))}</div>"
        subs = self.submissions
        if self.level == "province":
            units = load_units()
            expected = units[units.level.isin(["district", "sector"])]
            missing = [unit_label(c, L) for c in expected.code if c not in set(subs.unit)]
            late = int((subs.on_time == False).sum())  # noqa: E712
            text = t("submissions_summary", L, received=len(subs), expected=len(expected), late=late,
                     missing=", ".join(missing) or "–")
            return f"<div class='sub'>{_e(text)}</div>"
        row = subs[subs.unit == self.unit]
        if row.empty:
            return f"<div class='missing'>{_e(t('not_submitted', L, deadline=deadline))}</div>"
        r = row.iloc[0]
        if pd.isna(r.submitted):
            return f"<div class='sub'>{_e(t('submitted_unknown', L))}</div>"
        key = "submitted_on_time" if r.on_time else "submitted_late"
        return f"<div class='sub'>{_e(t(key, L, date=fmt_date(r.submitted, L), deadline=deadline))}</div>"

    def summary(self) -> HTML:
        """One line per milestone: how many indicators achieved, not achieved, inconclusive, without data."""
        L = self.lang
        p = self.progress[self.progress.status != "not_collected"]
        lines = []
        for m, g in p.groupby("milestone"):
            c = g.status.value_counts()
            lines.append(t("summary_line", L, milestone=m, total=len(g), **{
                s: int(c.get(s, 0)) for s in ("achieved", "not_achieved", "inconclusive", "no_data")}))
        body = "".join(f"<li>{_e(x)}</li>" for x in lines)
        return HTML(f"<div class='gm'><h2>{_e(t('section_summary', L))}</h2><ul>{body}</ul></div>")

    def results_table(self) -> HTML:
        """Every indicator: 2010 baseline, 2015 and 2020 target, result and assessment, source."""
        L, p = self.lang, self.progress
        if p.empty:
            return HTML(f"<div class='gm'><h2>{_e(t('section_table', L))}</h2><p>{_e(t('no_chart_data', L))}</p></div>")
        head = [t("col_id", L), t("col_indicator", L), t("col_unit", L), t("col_baseline", L)]
        for y in (2015, 2020):
            head += [t("col_target", L, year=y), t("col_result", L, year=y), t("col_status", L, year=y)]
        head += [t("col_pace", L), t("col_source", L)]
        rows = []
        unverified = False
        for (ind, bd), g in p.groupby(["indicator", "breakdown"], sort=False):
            info = self.indicators.loc[ind]
            unit = info.unit if L == "en" else info.unit_vi
            mark = ""
            if info.verified != "yes":
                mark, unverified = "*", True
            name = info[f"name_{L}"] + (f" ({t(f'breakdown_{bd}', L)})" if bd else "")
            first = g.iloc[0]
            cells = [f"<td>{_e(ind)}</td>", f"<td>{_e(name)}</td>", f"<td>{_e(unit)}</td>",
                     f"<td class='num'>{_e(fmt_value(first.baseline, info.unit, L)) if first.baseline_year == 2010 else '–'}</td>"]
            for y in (2015, 2020):
                r = g[g.milestone == y]
                if r.empty:
                    cells += ["<td>–</td>"] * 3
                    continue
                r = r.iloc[0]
                tv = fmt_target(r.target_op, r.target, r.target_high, info.unit, L, words=False)
                res = fmt_value(r.value, info.unit, L)
                if pd.notna(r.ci_low):
                    res += f"<br><span class='small'>({_e(fmt_value(r.ci_low, info.unit, L))} - {_e(fmt_value(r.ci_high, info.unit, L))})</span>"
                note = self._note(r)
                if note:
                    res += f"<br><span class='small'>{_e(note)}</span>"
                cells += [f"<td class='num'>{_e(tv)}{mark}</td>", f"<td class='num'>{res}</td>",
                          f"<td class='st-{r.status}'>{_e(t('status_' + r.status, L))}</td>"]
            last = g.iloc[-1]
            src = source_text(last.source, L)
            cells += [f"<td>{_e(t('pace_' + last.pace, L))}</td>", f"<td class='small'>{_e(src)}</td>"]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        foot = f"<p class='small'>{_e(t('unverified_mark', L))}</p>" if unverified else ""
        table = ("<table class='gmt'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) +
                 "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        return HTML(f"<div class='gm'><h2>{_e(t('section_table', L))}</h2>{table}{foot}</div>")

    def _note(self, r) -> str:
        """Which year's value a verdict used, in the report's language."""
        if pd.isna(r.value_year):
            return ""
        if len(self.indicators.loc[r.indicator, "election_years"]):
            return t("note_term", self.lang, year=int(r.value_year))
        if int(r.value_year) != int(r.milestone):
            return t("note_year_before", self.lang, year=int(r.value_year), milestone=int(r.milestone))
        return ""

    def progress_chart(self):
        """Progress ratio towards each 2020 target, with intervals, coloured by status."""
        labels = {i: f"{i} {self._short(i)}" for i in self.indicators.index}
        return charts.progress_chart(self.progress, labels, self.lang)

    def _short(self, ind: str, n: int = 48) -> str:
        name = self._name_of(ind)
        return name if len(name) <= n else name[: n - 1] + "…"

    def series_chart(self, indicator: str = "4.1"):
        """The yearly series of one indicator for this unit, with intervals and targets."""
        from . import stats

        obs = self.obs
        if self.level == "province":
            from .progress import province_values
            d = province_values(obs, self.catalogue)
        else:
            d = obs[obs.unit == self.unit]
        d = d[(d.indicator == indicator) & (d.breakdown == "")].copy()
        info = self.indicators.loc[indicator]
        lo, hi = stats.value_interval(info.interval, d.numerator, d.denominator, info.factor)
        d["ci_low"], d["ci_high"] = lo, hi
        tg = self.catalogue.targets
        tg = tg[(tg.strategy == "2011-2020") & (tg.id == indicator)]
        return charts.series_chart(d, tg, f"{indicator} {self._name_of(indicator)}", self.lang, info.unit)

    def districts_chart(self, indicator: str = "4.1", milestone: int = 2020):
        """One indicator across the districts at a milestone (province report)."""
        p = self.all_progress
        p = p[(p.level == "district") & (p.indicator == indicator) & (p.milestone == milestone)].copy()
        p["name"] = p.unit.map(lambda c: unit_label(c, self.lang))
        title = t("chart_districts_title", self.lang, indicator=f"{indicator} {self._name_of(indicator)}", year=milestone)
        return charts.districts_chart(p, title, self.lang, self.indicators.loc[indicator].unit)

    def narrative(self) -> HTML:
        """The unit's own assessment from its form, verbatim and escaped, by section."""
        L = self.lang
        n = self.narratives
        n = n[(n.unit == self.unit) & n.section.isin([k for k, _ in SECTIONS])]
        parts = ["<div class='gm'>"]
        for key, _ in SECTIONS:
            parts.append(f"<h2>{_e(t('section_' + key, L))}</h2>")
            rows = n[n.section == key]
            if rows.empty:
                parts.append(f"<p class='small'>{_e(t('no_text', L))}</p>")
            for r in rows.itertuples():
                parts.append(f"<blockquote>{_e(r.text)}</blockquote>"
                             f"<div class='small'>{_e(t('from_form', L, source=r.source))}</div>")
        parts.append("</div>")
        return HTML("".join(parts))

    def targets_table(self) -> HTML:
        """The unit's proposed 2021-2030 targets beside the national ones (Resolution 28/NQ-CP)."""
        L = self.lang
        prop = self.proposed[self.proposed.unit == self.unit]
        cat = self.catalogue.for_strategy("2021-2030").set_index("id")
        tg = self.catalogue.targets[self.catalogue.targets.strategy == "2021-2030"]
        head = [t("col_id", L), t("col_indicator", L), t("col_unit", L),
                f"{t('col_national', L)} 2025", f"{t('col_proposed', L)} 2025",
                f"{t('col_national', L)} 2030", f"{t('col_proposed', L)} 2030"]
        ids = sorted(set(prop.indicator)) if not prop.empty else []
        rows = []
        for i in ids:
            info = cat.loc[i]
            cells = [f"<td>{_e(i)}</td>", f"<td>{_e(info[f'name_{L}'])}</td>",
                     f"<td>{_e(info.unit if L == 'en' else info.unit_vi)}</td>"]
            for y in (2025, 2030):
                nat = tg[(tg.id == i) & (tg.year == y)]
                nat_s = fmt_target(nat.op.iloc[0], nat.value.iloc[0], nat.value_high.iloc[0], info.unit, L,
                                   words=False) if not nat.empty else "–"
                pv = prop[(prop.indicator == i) & (prop.year == y)]
                cells += [f"<td class='num'>{_e(nat_s)}</td>",
                          f"<td class='num'>{_e(fmt_value(pv.value.iloc[0], info.unit, L)) if not pv.empty else '–'}</td>"]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        body = ("<table class='gmt'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>") if rows else f"<p class='small'>{_e(t('no_text', L))}</p>"
        return HTML(f"<div class='gm'><h2>{_e(t('section_targets', L))}</h2>{body}</div>")

    # ------------------------------------------------------------------ 2021-2030
    @cached_property
    def proposed(self) -> pd.DataFrame:
        return load_table("proposed_targets", self.processed_dir)

    @cached_property
    def feasibility(self) -> pd.DataFrame:
        """The unit's rows of gm.feasibility for the national targets and for its own proposals."""
        nat, own = _feasibility_of(*self._key)
        frames = [nat[nat.unit == self.unit].assign(target_kind="national")]
        if own is not None:
            frames.append(own[own.unit == self.unit].assign(target_kind="proposed"))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["indicator", "year", "target_kind"], kind="stable").reset_index(drop=True)

    def feasibility_table(self) -> HTML:
        """Can each 2021-2030 target be reached on the 2011-2020 trend: P, k, verdict, reachable value."""
        L = self.lang
        f = self.feasibility
        cat = self.catalogue.for_strategy("2021-2030").set_index("id")
        head = [t("col_id", L), t("col_indicator", L), t("col_year", L), t("col_target_kind", L), t("col_target", L, year=""),
                t("col_last", L), t("col_projected", L), t("col_p_met", L), t("col_k", L), t("col_verdict", L),
                t("col_reachable", L)]
        rows = []
        for r in f.itertuples():
            info = cat.loc[r.indicator]
            fv = lambda x, u=info.unit: fmt_value(x, u, L)  # noqa: E731
            target = fmt_target(r.target_op, r.target, getattr(r, "target_high", None), info.unit, L, words=False)
            if r.below_national:
                target += f"<br><span class='small st-not_achieved'>{_e(t('below_national_mark', L))}</span>"
            last = f"{fv(r.last_value)} ({int(r.last_year)})" if pd.notna(r.last_year) else "–"
            proj = f"{fv(r.projected)} ({fv(r.pi_low)} - {fv(r.pi_high)})" if pd.notna(r.projected) else "–"
            p = fmt_number(r.p_met, 2, L) if pd.notna(r.p_met) else "–"
            k = fmt_number(r.k, 1, L) if pd.notna(r.k) else "–"
            cls = {"already_met": "achieved", "on_track": "achieved", "needs_acceleration": "inconclusive",
                   "unlikely": "not_achieved"}.get(r.verdict, "no_data")
            rows.append("<tr>" + "".join([
                f"<td>{_e(r.indicator)}</td>", f"<td>{_e(info[f'name_{L}'])}</td>", f"<td>{r.year}</td>",
                f"<td>{_e(t('target_kind_' + r.target_kind, L))}</td>", f"<td class='num'>{target}</td>",
                f"<td class='num'>{_e(last)}</td>", f"<td class='num'>{_e(proj)}</td>", f"<td class='num'>{p}</td>",
                f"<td class='num'>{k}</td>", f"<td class='st-{cls}'>{_e(t('verdict_' + r.verdict, L))}</td>",
                f"<td class='num'>{_e(fv(r.reachable)) if pd.notna(r.reachable) else '–'}</td>"]) + "</tr>")
        table = ("<table class='gmt'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>") if rows else f"<p class='small'>{_e(t('no_chart_data', L))}</p>"
        return HTML(f"<div class='gm'><h2>{_e(t('section_feasibility', L))}</h2>{table}"
                    f"<p class='small'>{_e(t('feasibility_method', L))}</p></div>")

    def feasibility_chart(self, indicator: str = "4.1"):
        """History of the predecessor series, projection band to 2030, national and proposed targets."""
        from .feasibility import feasibility

        cat = self.catalogue.for_strategy("2021-2030").set_index("id")
        pred = cat.loc[indicator, "predecessor"]
        if self.level == "province":
            from .progress import province_values
            hist = province_values(self.obs, self.catalogue)
        else:
            hist = self.obs[self.obs.unit == self.unit]
        hist = hist[(hist.indicator == pred) & (hist.breakdown == "")] if pred else hist.iloc[0:0]
        years = pd.DataFrame({"unit": self.unit, "indicator": indicator, "year": range(2021, 2031),
                              "value": self.catalogue.targets.query("strategy == '2021-2030' and id == @indicator").value.iloc[-1]})
        # only the predecessor's observations: the fit of one series, not of the whole table
        band = (feasibility(self.obs[self.obs.indicator == pred], years, self.catalogue) if pred
                else pd.DataFrame(columns=["year"]))
        band = band[band.unit == self.unit] if len(band) else band
        tg = self.catalogue.targets
        national = tg[(tg.strategy == "2021-2030") & (tg.id == indicator)][["year", "value"]]
        proposed = self.proposed[(self.proposed.unit == self.unit) & (self.proposed.indicator == indicator)]
        title = t("chart_feasibility_title", self.lang, indicator=f"{indicator} {cat.loc[indicator, f'name_{self.lang}']}")
        return charts.feasibility_chart(hist, band, national, proposed[["year", "value"]], title, self.lang)

    def feasibility_charts(self) -> None:
        """Display one feasibility chart per 2021-2030 indicator that has a 2011-2020 history here."""
        from IPython.display import display

        f = self.feasibility
        for ind in sorted(set(f.indicator[f.n_points > 0])):
            display(self.feasibility_chart(ind))

    def league_table(self) -> HTML:
        """The district league table with its method (province report)."""
        from .progress import league_table

        L = self.lang
        lt = league_table(self.all_progress, self.obs)
        head = ["col_rank", "col_indicator", "col_assessed", "col_achieved", "col_share_achieved", "col_mean_progress",
                "col_mmr_raw", "col_mmr_eb"]
        rows = []
        for r in lt.itertuples():
            cells = [str(r.rank), _e(unit_label(r.unit, L)), str(int(r.assessed)), str(int(r.achieved)),
                     fmt_percent(100 * r.share_achieved, L) if pd.notna(r.share_achieved) else "–",
                     fmt_number(r.mean_progress, 2, L), fmt_number(r.mmr_raw, 0, L), fmt_number(r.mmr_eb, 0, L)]
            rows.append("<tr>" + "".join(f"<td class='num'>{c}</td>" if i != 1 else f"<td>{c}</td>"
                                         for i, c in enumerate(cells)) + "</tr>")
        heads = [t(h, L) for h in head]
        heads[1] = t("col_unit_name", L)
        table = ("<table class='gmt'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>")
        return HTML(f"<div class='gm'><h2>{_e(t('section_league', L))}</h2>{table}"
                    f"<p class='small'>{_e(t('league_method', L))}</p></div>")

    # ------------------------------------------------------------------ the assessment (plan 121)
    def evaluation(self) -> HTML:
        """Results, improvements, shortcomings, causes (the unit's and computed), lessons, recommendations."""
        from .narrative import narrative_of

        L = self.lang
        n = narrative_of(self.unit, self.all_progress, self.narratives, L)
        none = f"<p class='small'>{_e(t('none_line', L))}</p>"

        def attribution(section, txt, src):  # the province's gathered texts fold long lists of units
            units = n.units_of.get((section, txt))
            return _given_by(units, L) if units else f"<div class='small'>{_e(src)}</div>"

        def bullets(items):
            return "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>" if items else none

        parts = ["<div class='gm'>", f"<h2>{_e(t('section_results', L))}</h2>", bullets(n.results),
                 f"<h3>{_e(t('section_improvements', L))}</h3>", bullets(n.improvements),
                 f"<h2>{_e(t('section_shortcomings', L))}</h2>", bullets(n.shortcomings),
                 f"<h2>{_e(t('section_causes', L))}</h2>"]
        for group in ("causes_objective", "causes_subjective"):
            items = [(txt, src) for g, txt, src in n.causes if g == group]
            parts.append(f"<h3>{_e(t('section_' + group, L))}</h3>")
            parts.append("".join(f"<blockquote>{_e(txt)}</blockquote>{attribution(group, txt, src)}" for txt, src in items)
                         or none)
        parts.append(f"<h3>{_e(t('computed_label', L))}</h3>" + bullets(n.computed_causes))
        parts.append(f"<h2>{_e(t('section_lessons', L))}</h2>")
        parts.append("".join(f"<blockquote>{_e(txt)}</blockquote>{_given_by(us, L)}" for txt, us in n.lessons) or none)
        parts.append(f"<h2>{_e(t('section_recommendations', L))}</h2>")
        parts.append("".join(f"<blockquote>{_e(txt)}</blockquote>{attribution('recommendations', txt, src)}"
                             for txt, src in n.recommendations) or none)
        parts.append("</div>")
        return HTML("".join(parts))

    def status_heatmap(self):
        """Districts × indicators by status in 2020 (province report)."""
        p = self.all_progress
        p = p[p.level == "district"]
        labels = {c: unit_label(c, self.lang) for c in set(p.unit)}
        return charts.status_heatmap(p, labels, self.lang)

    def indicator_legend(self) -> HTML:
        """The names behind the indicator codes of the heat map, for the printed conference copy."""
        L = self.lang
        p = self.all_progress
        shown = set(p.indicator[(p.level == "district") & (p.milestone == 2020)])
        names = self.indicators[f"name_{L}"]  # in the strategy's order
        rows = "".join(f"<tr><td>{_e(i)}</td><td>{_e(name)}</td></tr>" for i, name in names.items() if i in shown)
        return HTML(f"<div class='gm'><table class='gmt legend'><thead><tr><th>{_e(t('col_id', L))}</th>"
                    f"<th>{_e(t('col_indicator', L))}</th></tr></thead><tbody>{rows}</tbody></table></div>")

    def submissions_table(self) -> HTML:
        """Every district and department: received on time, late (against 23/4/2021) or missing; completeness."""
        L = self.lang
        units = load_units()
        units = units[units.level.isin(["district", "sector"])]
        subs = self.submissions.set_index("unit")
        flags = load_table("quality", self.processed_dir).groupby("unit").size()
        rows = []
        for u in units.itertuples():
            if u.code in subs.index:
                r = subs.loc[u.code]
                st = "unknown" if pd.isna(r.submitted) else ("on_time" if r.on_time else "late")
                date, comp = fmt_date(r.submitted, L), fmt_percent(100 * r.completeness, L)
            else:
                st, date, comp = "missing", "–", "–"
            cls = {"on_time": "achieved", "late": "inconclusive", "missing": "not_achieved", "unknown": "no_data"}[st]
            rows.append(f"<tr><td>{_e(unit_label(u.code, L))}</td><td>{_e(date)}</td><td class='st-{cls}'>"
                        f"{_e(t('status_' + st, L))}</td><td class='num'>{_e(comp)}</td>"
                        f"<td class='num'>{int(flags.get(u.code, 0))}</td></tr>")
        head = [t("col_unit_name", L), t("col_submitted", L), t("col_status", L, year=""), t("col_completeness", L),
                t("col_flags", L)]
        return HTML(f"<div class='gm'><h2>{_e(t('section_submissions', L))}</h2><table class='gmt'><thead><tr>"
                    + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
                    + "</tbody></table></div>")

    def quality_table(self) -> HTML:
        """Values flagged for review (outliers, sudden jumps), never dropped."""
        L = self.lang
        q = load_table("quality", self.processed_dir)
        q = q if self.level == "province" else q[q.unit == self.unit]
        q = q[q.unit != "VN"]
        rows = "".join(
            f"<tr><td>{_e(unit_label(r.unit, L))}</td><td>{_e(r.indicator)}</td><td>{r.year}</td>"
            f"<td class='num'>{_e(fmt_number(r.value, 1, L))}</td><td>{_e(t('check_' + r.check, L))}</td>"
            f"<td class='small'>{_e(quality_detail(r, L))}</td><td class='small'>{_e(r.source)}</td></tr>" for r in q.itertuples())
        head = [t("col_unit_name", L), t("col_id", L), t("col_year", L), t("col_value", L), t("col_check", L),
                t("col_detail", L), t("col_source", L)]
        body = ("<table class='gmt'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                + rows + "</tbody></table>") if rows else f"<p class='small'>{_e(t('none_line', L))}</p>"
        return HTML(f"<div class='gm'><h2>{_e(t('section_quality', L))}</h2>{body}</div>")

    def shortlist(self) -> HTML:
        """Districts and departments with the strongest results, as input to commendations, criteria stated."""
        from .progress import league_table

        L = self.lang
        subs = self.submissions.set_index("unit")
        on_time = lambda c: c in subs.index and bool(subs.loc[c, "on_time"])  # noqa: E731
        lt = league_table(self.all_progress, self.obs)
        median = lt.share_achieved.median()
        districts = [r.unit for r in lt.head(3).itertuples() if r.share_achieved >= median and on_time(r.unit)]
        p = self.all_progress
        sec = p[(p.level == "sector") & (p.milestone == 2020) & (p.status != "not_collected")]
        share = sec.groupby("unit").status.apply(lambda s: (s == "achieved").mean())
        sectors = [u for u, v in share.sort_values(ascending=False).items() if v >= 0.5 and on_time(u)]
        items = [f"{unit_label(u, L)} ({fmt_percent(100 * lt.set_index('unit').loc[u, 'share_achieved'], L)})"
                 for u in districts]
        items += [f"{unit_label(u, L)} ({fmt_percent(100 * share[u], L)})" for u in sectors]
        body = "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>" if items else \
            f"<p class='small'>{_e(t('none_line', L))}</p>"
        return HTML(f"<div class='gm'><h2>{_e(t('section_shortlist', L))}</h2>{body}"
                    f"<p class='small'>{_e(t('shortlist_criteria', L))}</p></div>")

    def method(self) -> HTML:
        L = self.lang
        return HTML(f"<div class='gm'><h2>{_e(t('section_method', L))}</h2><p class='small'>{_e(t('method_text', L))}</p></div>")
