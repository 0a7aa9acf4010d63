"""The pieces of one unit's report, each a small object a notebook cell displays.

``r = UnitReport("439", lang="vi")`` takes the data set of the processed folder (loaded once per
kernel, see :mod:`.data`); then ``r.header()``, ``r.summary()``, ``r.results_table()``,
``r.progress_chart()``, ``r.evaluation()`` … each return an HTML block or a chart. The numbers come
from the core, the words from :mod:`.views`, the markup from Jinja templates with autoescaping: text
typed into forms is data, never markup.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from ..core.frames import records
from ..i18n import LANGS, fmt_date, t
from ..reference import LEADERSHIP, SECTIONS
from . import charts, views
from .data import Dataset, dataset
from .pages import index_name, package_version, provenance_text, report_stem  # noqa: F401 - shared names


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined, select_autoescape

    # compiled templates kept in Jinja's per-user cache folder (keyed by each template's source): a report
    # kernel loads them instead of compiling every template again as it starts
    return Environment(loader=PackageLoader("gender_metrics", "present/templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                       bytecode_cache=FileSystemBytecodeCache())


def render(template: str, **context) -> str:
    return _env().get_template(template).render(**context)


def warm(review: str | None = None) -> None:
    """Make a kernel ready for its first report: the review's reference data, the templates, the
    modules the charts and intervals use (the batch runner calls this as a worker's kernel starts)."""
    import IPython.display  # noqa: F401 - feasibility and area charts display several figures
    import plotly.io  # noqa: F401 - every chart's HTML

    from ..core import stats
    from ..reference import load_reference

    stats._sp()   # scipy.special: the intervals of the series charts
    load_reference(review)
    for name in _env().list_templates(extensions=["j2"]):
        _env().get_template(name)


QUALITY_LIST_MAX = 150   # flagged values the province report lists one by one; beyond, counts per unit


class Block:
    """An HTML block: a notebook shows it, an export keeps it as it is."""

    def __init__(self, html: str):
        self.data = html

    def _repr_html_(self) -> str:
        return self.data

    def __str__(self) -> str:
        return self.data


def given_by(units: list[str], ref, lang: str) -> str:
    """"Do 3 đơn vị nêu: A, B, C"; a long list shows its first names and folds the rest (printed in full)."""
    return render("given_by.html.j2", units=units, T=lambda k, **kw: ref.text(k, lang, **kw)).strip()


class UnitReport:
    """Everything one report shows for ``unit`` (a code or a name), in ``lang`` ("vi" or "en").

    ``processed_dir``: the processed folder (default: the project's ``data/processed``);
    ``review``: the review it holds (default: the one the folder records; another is refused).
    """

    def __init__(self, unit: str, lang: str = "vi", processed_dir: str | Path | None = None,
                 review: str | Path | None = None):
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
        self.data: Dataset = dataset(processed_dir, review, lang)
        self.ref = self.data.ref
        self.lang = lang
        self.unit = self.ref.units.resolve(unit)
        self.level = self.ref.units.level(self.unit)
        self.name = self.ref.label(self.unit, lang)
        self.review = self.ref.review

    # ------------------------------------------------------------------ helpers
    def T(self, key: str, /, **kw) -> str:
        return self.ref.text(key, self.lang, **kw)

    def _render(self, template: str, **context) -> Block:
        return Block(render(template, T=self.T, **context))

    def _table(self, title: str, head: list[str], rows: pd.DataFrame | list[dict], cols: list[str], *, num=(),
               classes=None, small=(), empty=None, notes=(), table_class="") -> Block:
        """A titled table of ``rows`` (a display table, or its rows as dicts) showing ``cols``."""
        rows = records(rows) if isinstance(rows, pd.DataFrame) else rows
        return self._render("table.html.j2", title=title, head=head, rows=rows, cols=cols,
                            num=set(num), classes=classes or {}, small=set(small),
                            empty=empty or self.T("no_chart_data"), notes=list(notes), table_class=table_class)

    @property
    def is_province(self) -> bool:
        return self.unit == self.ref.province

    @property
    def is_national(self) -> bool:
        return self.level == "national"

    @property
    def is_sample(self) -> bool:
        return not self.is_national and self.data.sample

    @cached_property
    def progress(self) -> pd.DataFrame:
        return self.data.unit_rows("progress", self.unit).reset_index(drop=True)

    @property
    def all_progress(self) -> pd.DataFrame:
        return self.data.progress

    @property
    def main_indicator(self) -> str:
        """The indicator charted first: a department's first own indicator, else the review's first
        highlight."""
        ids = self.ref.units.answers_for(self.unit)
        return ids[0] if ids else self.ref.highlights[0]

    @property
    def main_next_indicator(self) -> str | None:
        """The next strategy's indicator that continues the main one (else the first with a history)."""
        nxt = self.ref.next
        follows = nxt.index[nxt.history == self.main_indicator]
        with_history = nxt.index[nxt.history.notna()]
        return follows[0] if len(follows) else (with_history[0] if len(with_history) else None)

    def _short(self, ind: str) -> str:
        """The judged indicator's short name (tables, charts)."""
        return self.ref.info[ind][f"short_{self.lang}"]

    # ------------------------------------------------------------------ pieces
    def header(self) -> Block:
        """Title, unit, the sample-data or real-data banner, submission status and provenance."""
        L = self.lang
        provenance = provenance_text(self.data.input_hash(self.unit), self.data.manifest, L)
        cls, text = self._submission()
        links = [(index_name(L), t("nav_index", L))]
        if not self.is_province:
            prov = self.ref.province
            links.append((report_stem("province", self.ref.units.row(prov).slug, L) + ".html",
                          t("nav_province", L, name=self.ref.label(prov, L))))
        subtitle = self.T("report_subtitle")
        if self.review.placeholders_pending:   # the plan's number or the deadline still to be filled in
            subtitle += ". " + self.T("placeholders_note", compiler=self.ref.label(self.review.compiler, L))
        return self._render("header.html.j2", title=self.T("report_title"), name=self.name, links=links,
                            kind=t(f"unit_kind_{self.level}", L), subtitle=subtitle,
                            sample=self.is_sample, submission=text, submission_class=cls, provenance=provenance)

    def _submission(self) -> tuple[str, str]:
        L, deadline = self.lang, views.deadline_rule(self.ref, self.lang)
        if self.is_national:
            return "sub", t("national_note", L)
        subs = self.data.submissions
        if self.is_province:
            expected = self.ref.units.reporting
            missing = [self.ref.label(c, L) for c in expected if c not in set(subs.unit)]
            late = int((subs.on_time == False).sum())  # noqa: E712
            return "sub", t("submissions_summary", L, received=len(subs), expected=len(expected), late=late,
                            missing=", ".join(missing) or "–")
        row = subs[subs.unit == self.unit]
        if row.empty:
            return "missing", t("not_submitted", L, deadline=deadline)
        r = row.iloc[0]
        if pd.isna(r.submitted):
            return "sub", t("submitted_unknown", L)
        key = "submitted_on_time" if r.on_time else "submitted_late"
        return "sub", t(key, L, date=fmt_date(r.submitted, L), deadline=deadline)

    def summary(self) -> Block:
        """One line per milestone: the verdicts counted, and how many of them are uncertain."""
        return self._render("summary.html.j2", lines=views.summary_lines(self.progress, self.lang))

    def results_view(self) -> pd.DataFrame:
        return views.results_view(self.progress, self.ref, self.lang)

    def results_table(self) -> Block:
        """Every indicator: baseline, each milestone's target, result and assessment, pace, source."""
        rows = views.results_rows(self.progress, self.ref, self.lang)
        return self._render("results.html.j2", head=views.results_head(self.ref, self.lang), rows=rows,
                            milestones=self.review.milestones,
                            notes=views.target_notes(self.ref, [r["id"] for r in rows], self.lang))

    def progress_chart(self) -> charts.Chart:
        """Progress ratio towards each final target, with intervals, coloured by status."""
        labels = {i: f"{i} {self._short(i)}" for i in self.ref.judged.index}
        p = self.progress
        return charts.progress_chart(self._with_verdicts(p[p.milestone == self.review.final]), labels, self.review.final,
                                     self.T("chart_progress_title"), self.T("chart_progress_x"), self.lang)

    def _observations(self) -> pd.DataFrame:
        """This unit's observations (the province: the values the core aggregates for it)."""
        return self.data.unit_rows("province_observations" if self.is_province else "observations", self.unit)

    def _with_verdicts(self, prog: pd.DataFrame) -> pd.DataFrame:
        """``prog`` with each verdict in words, both layers ("Chưa đạt (số liệu nhỏ: 3 ca)"), for hovers."""
        out = prog.copy()
        out["verdict"] = views.verdict_texts(out, self.ref, self.lang)
        return out

    def series_chart(self, indicator: str | None = None) -> charts.Chart:
        """The yearly series of one indicator for this unit, with intervals and targets."""
        from ..core import stats

        indicator = self.ref.indicator(indicator or self.main_indicator, lang=self.lang)
        obs = self._observations()
        d = obs[(obs.indicator == indicator) & (obs.breakdown == "")].copy()
        info = self.ref.judged.loc[indicator]
        d["ci_low"], d["ci_high"] = stats.value_interval(info.interval, d.numerator, d.denominator, info.factor)
        tg = self.ref.judged_targets
        tg = tg[(tg.id == indicator) & tg.year.isin(self.review.milestones)]
        return charts.series_chart(d, tg, f"{indicator} {self._short(indicator)}", self.lang, info.unit)

    def districts_charts(self) -> charts.Charts:
        """The areas side by side for each of the review's highlighted indicators."""
        return charts.Charts(self.districts_chart(ind) for ind in self.ref.highlights)

    def districts_chart(self, indicator: str, year: int | str | None = None) -> charts.Chart:
        """One indicator across the areas in one year (default: the review's final milestone). At a milestone
        the bars carry the verdicts against its target; any other year with data shows the values alone."""
        from ..core import stats

        indicator = self.ref.indicator(indicator, lang=self.lang)
        year = int(year) if year is not None else self.review.final
        area = self.ref.units.area_level
        info = self.ref.judged.loc[indicator]
        label = f"{indicator} {self._short(indicator)}"
        if year in self.review.milestones:
            p = self.all_progress
            p = p[(p.level == area) & (p.indicator == indicator) & (p.milestone == year)].copy()
            p["name"] = p.unit.map(lambda c: self.ref.label(c, self.lang))
            title = self.T("chart_districts_title", indicator=label, year=year)
            return charts.districts_chart(self._with_verdicts(p), title, self.lang, info.unit)
        obs = self.data.observations
        mine = obs[(obs.indicator == indicator) & (obs.breakdown == "") & obs.value.notna()
                   & obs.unit.map(lambda c: self.ref.units.level(c) == area)]
        d = mine[mine.year == year].copy()
        if d.empty:
            raise ValueError(self.T("year_no_data", year=year, indicator=indicator,
                                    years=", ".join(map(str, sorted(set(mine.year)))) or "–"))
        d["name"] = d.unit.map(lambda c: self.ref.label(c, self.lang))
        d["ci_low"], d["ci_high"] = stats.value_interval(info.interval, d.numerator, d.denominator, info.factor)
        d["status"] = "no_data"   # no target in this year: the bars are neutral
        title = self.T("chart_districts_year_title", indicator=label, year=year)
        return charts.districts_chart(d, title, self.lang, info.unit, target=False)

    @cached_property
    def assessment(self):
        """The unit's assessment (:class:`~gender_metrics.core.narrative.Narrative`): what it wrote (the
        province: every unit) and the sentences its figures give."""
        from ..core.narrative import narrative_of

        return narrative_of(self.unit, self.all_progress, self.data.narratives, self.ref, self.lang)

    def narrative(self) -> Block:
        """Everything the unit wrote in its form (the province: every unit), verbatim, by section."""
        return self._render("narrative.html.j2", n=self.assessment, sections=SECTIONS)

    def leadership(self) -> Block:
        """How the work was led and organised, in the units' own words."""
        return self._render("leadership.html.j2", n=self.assessment, sections=LEADERSHIP)

    def targets_table(self) -> Block:
        """The unit's proposed targets beside the national ones."""
        v = views.targets_rows(self.data.unit_rows("proposed", self.unit), self.ref, self.lang)
        cols = ["id", "name", "unit"] + [f"{k}_{y}" for y in self.review.feasibility_years for k in ("national", "proposed")]
        return self._table(self.T("section_targets"), views.targets_head(self.ref, self.lang), v, cols,
                           num=cols[3:], empty=t("no_text", self.lang))

    # ------------------------------------------------------------------ feasibility
    @cached_property
    def feasibility(self) -> pd.DataFrame:
        """The unit's rows of the feasibility table, for the national targets and its own proposals."""
        return self.data.unit_rows("feasibility", self.unit).reset_index(drop=True)

    def feasibility_table(self) -> Block:
        """Can each target be reached on the trend: P, k, verdict, reachable value."""
        rows = views.feasibility_rows(self.feasibility, self.ref, self.lang)
        return self._render("feasibility.html.j2", head=views.feasibility_head(self.lang), rows=rows)

    def feasibility_chart(self, indicator: str | None = None) -> charts.Chart:
        """The history of the predecessor series, the projection band, national and proposed targets."""
        ref = self.ref
        indicator = indicator or self.main_next_indicator
        if indicator is not None:
            indicator = ref.indicator(indicator, ref.review.feasibility_strategy, self.lang)
        if indicator is None:
            return charts.empty(self.T("section_feasibility"), self.lang)
        pred = ref.next.history.get(indicator)
        hist = self._observations()
        hist = hist[(hist.indicator == pred) & (hist.breakdown == "")] if pred else hist.iloc[0:0]
        band = self.data.unit_rows("bands", self.unit)
        band = band[band.indicator == indicator]
        national = ref.next_targets[ref.next_targets.id == indicator][["year", "value"]]
        prop = self.data.unit_rows("proposed", self.unit)
        proposed = prop[prop.indicator == indicator][["year", "value"]]
        title = self.T("chart_feasibility_title", indicator=f"{indicator} {ref.next.loc[indicator, f'short_{self.lang}']}")
        return charts.feasibility_chart(hist, band, national, proposed, title, self.lang)

    def feasibility_charts(self) -> charts.Charts:
        """One feasibility chart per indicator that has a history here."""
        f = self.feasibility
        return charts.Charts(self.feasibility_chart(ind) for ind in sorted(set(f.indicator[f.n_points > 0])))

    # ------------------------------------------------------------------ the province's pieces
    def league_table(self) -> Block:
        """The areas' league table with its method (province report)."""
        lt = self.data.league
        v = views.league_view(lt, self.ref, self.lang)
        cols = ["rank", "unit", "assessed", "achieved", "share", "mean_progress", "raw", "eb"]
        notes = [self.T("league_method")] + ([self.T("league_eb_flat")] if lt.eb_flat.any() else [])
        return self._table(self.T("section_league"), views.league_head(self.ref, self.lang), v, cols,
                           num=[c for c in cols if c not in ("unit", "rank")], notes=notes)

    def shortlist(self) -> Block:
        """Areas and departments with the strongest results, as input to commendations, criteria stated."""
        from ..core.league import shortlist

        sl = shortlist(self.all_progress, self.data.league, self.data.submissions, self.ref)
        return self._render("shortlist.html.j2", items=views.shortlist_items(sl, self.ref, self.lang),
                            criteria=self.T("shortlist_criteria", deadline_rule=views.deadline_rule(self.ref, self.lang)))

    def evaluation(self) -> Block:
        """The overall assessment (results, shortcomings, causes), lessons and recommendations: what the
        unit wrote, verbatim and attributed, then what its figures show."""
        return self._render("evaluation.html.j2", n=self.assessment)

    def status_heatmap(self) -> charts.Chart:
        """Areas × indicators by status at the final milestone (province report)."""
        p = self.all_progress
        p = p[p.level == self.ref.units.area_level]
        labels = {c: self.ref.label(c, self.lang) for c in set(p.unit)}
        return charts.status_heatmap(p, labels, self.review.final, self.T("section_heatmap"), self.lang)

    def indicator_legend(self) -> Block:
        """The names behind the indicator codes of the heat map, for the printed conference copy."""
        v = views.legend_view(self.all_progress, self.ref, self.lang)
        return self._table("", [t("col_id", self.lang), t("col_indicator", self.lang)], v, ["id", "name"],
                           table_class="legend")

    def submissions_table(self) -> Block:
        """Every reporting unit: received on time, late or missing; completeness; flags."""
        v = views.submissions_view(self.data.submissions, self.data.quality, self.ref, self.lang)
        return self._table(t("section_submissions", self.lang), views.submissions_head(self.lang), v,
                           ["unit", "date", "state_text", "completeness", "flags"], num=["completeness", "flags"],
                           classes={"state_text": "state_class"},
                           notes=[t("submissions_deadline", self.lang, deadline=views.deadline_rule(self.ref, self.lang))])

    def quality_table(self) -> Block:
        """Values flagged for review (outliers, sudden jumps), never dropped."""
        q = self.data.quality
        q = q if self.is_province else q[q.unit == self.unit]
        if self.is_province and len(q) > QUALITY_LIST_MAX:   # dozens of communes: a line per unit
            return self.quality_summary(q)
        v = views.quality_rows(q, self.ref, self.lang)
        return self._table(t("section_quality", self.lang), views.quality_head(self.lang), v,
                           views.QUALITY_COLUMNS, num=["value"],
                           small=["detail", "source"], empty=t("none_line", self.lang),
                           notes=[t("quality_intro", self.lang)])

    def proposed_targets(self) -> Block:
        """The province's proposed targets for the next strategy: per indicator the national targets, its
        baseline, the range of the units' proposals, the recommended figure, its feasibility and why; then
        the contradictions in the proposals (the Word draft's Phần thứ hai and Biểu 4; province report)."""
        from . import annex

        tg = annex.targets_of(self.data)
        return self._render("province_targets.html.j2", title=self.T("annex_targets_title"),
                            intro=self.T("doc_targets_intro"), table=annex.targets_table(tg, self.ref, self.lang, "4"),
                            contradictions=annex.contradiction_sentences(tg, self.ref, self.lang),
                            levels=annex.level_sentences(tg, self.ref, self.lang))

    def quality_summary(self, q: pd.DataFrame | None = None) -> Block:
        """The values flagged for review, counted per unit (a long list: each unit's report lists its own)."""
        q = self.data.quality if q is None else q
        rows = []
        for code in [self.ref.province, *self.ref.units.reporting]:
            g = q[q.unit == code]
            if len(g):
                rows.append({"unit": self.ref.label(code, self.lang), "outlier": str(int((g.check == "outlier").sum())),
                             "jump": str(int((g.check == "jump").sum())),
                             "indicators": ", ".join(dict.fromkeys(g.indicator.astype(str)))})
        head = [t("col_unit_name", self.lang), t("check_outlier", self.lang), t("check_jump", self.lang),
                t("col_indicator", self.lang)]
        return self._table(t("section_quality", self.lang), head, pd.DataFrame(rows),
                           ["unit", "outlier", "jump", "indicators"], num=["outlier", "jump"], small=["indicators"],
                           empty=t("none_line", self.lang),
                           notes=[t("quality_summary_note", self.lang, n=len(q), units=len(rows))])

    def method(self) -> Block:
        return self._render("method.html.j2", text=self.T("method_text", complete_counts=views.complete_counts(self.ref)))

    # ------------------------------------------------------------------ a reorganised tree: the former districts
    def former_districts(self, context_processed: str | Path | None = None) -> Block:
        """The series of the districts this area was formed from, read from the context review's processed
        folder (``context_processed``; default: the project's ``data/processed`` when it holds that review),
        labelled as the districts' and never re-aggregated onto this area, with the reason in words. Says so
        when the review names no context, the area no former district, or the folder is absent."""
        from ..core.context import former_series
        from ..reference import load_reference
        from . import context as cx
        from .data import context_dataset

        name = self.ref.review.context_review
        if not name or not self.ref.units.former_districts(self.unit):
            return Block("")
        context = load_reference(name)
        title = t("context_title", self.lang, period=context.review.strategy)
        ds, why = context_dataset(name, context_processed)
        if ds is None:
            where = str(context_processed) if context_processed else "data/processed"
            return self._render("context.html.j2", title=title, reason="", rows=[], head=[], years=[], notes=[
                t(f"context_absent_{why}", self.lang, period=context.review.strategy, review=name, folder=where)])
        series = former_series(ds.observations, self.ref, context, self.unit)
        v = cx.context_view(series, self.ref, context, self.lang)
        notes = [t("context_source", self.lang, review=name, hash=ds.manifest["data_hash"][:12])]
        if v.empty:
            notes.insert(0, t("context_no_series", self.lang, period=context.review.strategy))
        return self._render("context.html.j2", title=title, reason=cx.context_reason(self.ref, context, self.unit, self.lang),
                            rows=records(v), head=cx.context_head(context, self.lang),
                            years=[f"y{y}" for y in cx.context_years(context)], notes=notes)
