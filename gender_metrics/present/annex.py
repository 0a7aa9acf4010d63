"""The Department's documents as display tables: the annex tables (Biểu số 1-5 and the packet's own),
the province's proposed targets in words, the one-page summary for leaders, and the outline of the
Word draft of a unit's summary report.

The Word draft (:mod:`gender_metrics.outputs.document`), the annex workbook
(:mod:`gender_metrics.outputs.packet`) and the HTML pieces (the province report's proposed-targets
section, the one-page summary) are all built from what this module returns, which is itself built from
the core's tables and the display functions of :mod:`.views` and :mod:`gender_metrics.core.narrative`
(``results_view``, ``summary_lines``, ``narrative_of``, ``result_sentence`` ...): a number and a
sentence read the same in every output. A :class:`Cell` carries the text every output shows and, for
the workbook, the number behind it with its number format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..core.narrative import Narrative, narrative_of, result_sentence
from ..core.progress import plain
from ..core.targets import ProvinceTargets
from ..i18n import fmt_number, fmt_target, fmt_value, t
from ..reference import LEADERSHIP, Reference
from . import views
from .charts import MANY_AREAS
from .data import Dataset

DASH = views.DASH
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
TOP = 5                                  # gains, shortfalls and targets shown on the one-page summary
_SIGN = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


# --------------------------------------------------------------------------- cells and tables
@dataclass
class Cell:
    """One table cell: ``text`` is what the HTML and the Word draft show; ``number`` (with the
    workbook's ``fmt``) is what the workbook stores instead, when the cell is a number; ``style``
    names its look (a verdict: achieved, not_achieved, unsure ...; ``bold``)."""

    text: str = ""
    number: float | dt.date | None = None
    fmt: str | None = None
    style: str = ""
    cont: bool = False           # continues the cell above (merged with it: an indicator over its years)


@dataclass
class Column:
    head: str
    width: float                 # cm in the Word draft (the workbook's widths follow)
    align: str = "left"          # left, right, center
    packet_only: bool = False    # only in the workbook (the form cell a value came from)


@dataclass
class Row:
    cells: list[Cell]
    group: str = ""              # a heading row across the table (an objective, a department)


@dataclass
class AnnexTable:
    """A numbered annex table ("Biểu số 1"), its title, columns, rows and notes."""

    key: str
    number: str
    title: str
    columns: list[Column]
    rows: list[Row]
    landscape: bool = True
    notes: list[str] = field(default_factory=list)

    def visible(self, packet: bool) -> list[int]:
        """The indices of the columns an output shows (the Word draft leaves ``packet_only`` out)."""
        return [i for i, c in enumerate(self.columns) if packet or not c.packet_only]

    def html(self) -> tuple[list[str], list[dict]]:
        """The header and rows for an HTML page (the columns of the Word draft): continued cells become
        a ``rowspan`` of the cell they continue."""
        return self.html_head(), self.html_rows()

    def html_widths(self) -> list[float]:
        """The columns' widths in percent of the table, as in the Word draft (the page prints them all)."""
        w = [self.columns[i].width for i in self.visible(packet=False)]
        return [round(100 * x / sum(w), 2) for x in w]

    def html_head(self) -> list[str]:
        return [self.columns[i].head for i in self.visible(packet=False)]

    def html_rows(self) -> list[dict]:
        cols = self.visible(packet=False)
        out: list[dict] = []
        anchor: dict[int, dict] = {}
        for r in self.rows:
            if r.group:
                out.append({"group": r.group})
                anchor.clear()
                continue
            cells = []
            for i in cols:
                c = r.cells[i]
                if c.cont and i in anchor:
                    anchor[i]["rowspan"] += 1
                    continue
                cell = {"text": c.text, "style": c.style, "align": self.columns[i].align, "rowspan": 1,
                        "nowrap": len(c.text) <= 7}    # "≥ 50%", "115,8": never broken at their space
                anchor[i] = cell
                cells.append(cell)
            out.append({"group": "", "cells": cells})
        return out


def number_format(unit: str, digits: int, op: str | None = None) -> str:
    """The workbook's format of a value in ``unit``: shares in percent are stored as fractions
    ("0.0%"), other values as they are; a target's operator is written before it ('"≥ "0%')."""
    body = "0" if digits <= 0 else "0." + "0" * digits
    body += "%" if unit == "%" else ""
    return (f'"{_SIGN[op]} "' + body) if op in _SIGN else body


def stored(x, unit: str) -> float | None:
    """The number the workbook stores for a value in ``unit`` (a share in percent: its fraction)."""
    if x is None or pd.isna(x):
        return None
    return float(x) / 100.0 if unit == "%" else float(x)


def value_digits(unit: str) -> int:
    """Decimals of a value as :func:`~gender_metrics.i18n.fmt_value` prints it."""
    return 0 if unit.startswith("per 100000") else 1


def value_cell(x, unit: str, lang: str, style: str = "") -> Cell:
    if x is None or pd.isna(x):
        return Cell(DASH, style=style)
    return Cell(fmt_value(x, unit, lang), stored(x, unit), number_format(unit, value_digits(unit)), style)


def target_cell(op, value, high, unit: str, lang: str) -> Cell:
    """A target as "≥ 25%" (text), stored as the number with its operator in the format; a band as text."""
    if op is None or value is None or pd.isna(value):
        return Cell(DASH)
    text = fmt_target(op, value, high, unit, lang, words=False)
    if op == "between":
        return Cell(text)
    digits = 0 if float(value) == int(float(value)) else 1
    return Cell(text, stored(value, unit), number_format(unit, digits, op))


def verdict_style(status: str, certainty: str = "") -> str:
    if status in ("achieved", "not_achieved") and certainty in ("uncertain", "small_numbers"):
        return status + "_unsure"
    return status


def objective_title(ref: Reference, strategy: str, n, lang: str) -> str:
    """"Mục tiêu 1: Lĩnh vực chính trị" (the catalogue's name of the objective, when it has one)."""
    o = ref.catalogue.objectives
    o = o[(o.strategy == strategy) & (o.objective == n)]
    name = o[f"name_{lang}"].iloc[0] if len(o) else ""
    return t("doc_objective", lang, n=n) + (f": {name}" if name else "")


def _order(ref: Reference) -> dict[str, int]:
    return {i: n for n, i in enumerate(ref.judged.index)}


# --------------------------------------------------------------------------- results tables
def results_rows(prog: pd.DataFrame, ref: Reference, lang: str, *, group: str = "objective") -> list[Row]:
    """The rows of a results table (Biểu 1 and 3, a unit's sheet): one per indicator (× breakdown), under
    a heading row per objective (``group="objective"``) or per unit (``group="unit"``). The texts are
    :func:`views.results_view`'s; the numbers come from the same progress rows."""
    prog = plain(prog)
    ms = ref.review.milestones
    order = _order(ref)
    rows: list[Row] = []
    units = list(dict.fromkeys(prog.unit)) if group == "unit" else [None]
    for u in units:
        p = prog if u is None else prog[prog.unit == u]
        v = views.results_view(p, ref, lang)
        if v.empty:
            continue
        v = v.assign(_o=v.id.map(order)).sort_values(["_o", "breakdown"], kind="stable")
        at = {(r["indicator"], r["breakdown"], int(r["milestone"])): r for r in p.to_dict("records")}
        if u is not None:
            rows.append(Row([], group=ref.label(u, lang)))
        last_objective = None
        for r in v.to_dict("records"):
            info = ref.info[r["id"]]
            if group == "objective" and info["objective"] != last_objective:
                last_objective = info["objective"]
                rows.append(Row([], group=objective_title(ref, ref.review.strategy, last_objective, lang)))
            unit = info["unit"]
            first = next((at[(r["id"], r["breakdown"], m)] for m in ms if (r["id"], r["breakdown"], m) in at), None)
            base = first["baseline"] if first is not None and first["baseline_year"] == ref.review.baseline_year \
                else None
            cells = [Cell(r["id"]), Cell(r["name"] + ("" if r["verified"] else " *")), Cell(r["unit"]),
                     value_cell(base, unit, lang)]
            for m in ms:
                x = at.get((r["id"], r["breakdown"], m))
                if x is None:
                    cells += [Cell(DASH), Cell(DASH), Cell(DASH)]
                    continue
                cells += [target_cell(x["target_op"], x["target"], x["target_high"], unit, lang),
                          value_cell(x["value"], unit, lang),
                          Cell(r[f"verdict_{m}"], style=verdict_style(x["status"], x["certainty"]))]
            notes = "; ".join(f"{m}: {r[f'note_{m}']}" for m in ms if r.get(f"note_{m}"))
            cells += [Cell(notes), Cell(r["source"])]
            rows.append(Row(cells))
    return rows


def results_columns(ref: Reference, lang: str, *, name_width: float = 6.2) -> list[Column]:
    cols = [Column(t("col_id", lang), 1.0), Column(t("col_indicator", lang), name_width),
            Column(t("col_unit", lang), 1.6), Column(ref.text("col_baseline", lang), 1.5, "right")]
    for y in ref.review.milestones:
        cols += [Column(t("col_target", lang, year=y), 1.7, "right"), Column(t("col_result", lang, year=y), 1.6, "right"),
                 Column(t("col_status", lang, year=y), 3.2)]
    return cols + [Column(t("annex_col_note", lang), 5.0, packet_only=True),
                   Column(t("col_source", lang), 4.0, packet_only=True)]


def results_table(prog: pd.DataFrame, unit: str, ref: Reference, lang: str, number: str) -> AnnexTable:
    """Biểu 1: one unit's indicators (the province's, or a unit's own), grouped by objective."""
    notes = [t("unverified_mark", lang)] if (~ref.judged.verified.eq("yes")).any() else []
    return AnnexTable("indicators", number, t("annex_indicators_title", lang, unit=ref.label(unit, lang),
                                              strategy=ref.review.strategy),
                      results_columns(ref, lang), results_rows(prog[prog.unit == unit], ref, lang), notes=notes)


def sectors_table(prog: pd.DataFrame, ref: Reference, lang: str, number: str) -> AnnexTable:
    """Biểu 3: every department's own indicators, under a heading row per department."""
    p = prog[prog.unit.isin(ref.units.sectors)]
    p = p.assign(_u=p.unit.map({u: i for i, u in enumerate(ref.units.sectors)})).sort_values("_u", kind="stable")
    return AnnexTable("sectors", number, t("annex_sectors_title", lang, strategy=ref.review.strategy),
                      results_columns(ref, lang), results_rows(p.drop(columns="_u"), ref, lang, group="unit"))


def areas_table(prog: pd.DataFrame, ref: Reference, lang: str, number: str) -> AnnexTable:
    """Biểu 2: the areas side by side, per indicator collected at their level: the value at the
    baseline and at each milestone, the milestones' cells marked by their verdict; the province last."""
    prog = plain(prog)
    area = ref.units.area_level
    areas = ref.units.areas
    p = prog[(prog.level.isin([area, "province"])) & (prog.breakdown == "") & (prog.status != "not_collected")]
    shown = [i for i in ref.judged.index if i in set(p.indicator[p.level == area])]
    at = {(r["unit"], r["indicator"], int(r["milestone"])): r for r in p.to_dict("records")}
    ms = ref.review.milestones
    if len(areas) > MANY_AREAS:   # dozens of communes: one row per area, one column per indicator
        return _areas_by_row(at, shown, areas, ref, lang, number)
    cols = [Column(t("col_id", lang), 0.9), Column(t("col_indicator", lang), 3.9), Column(t("col_year", lang), 1.0),
            Column(t("annex_col_target", lang), 1.4, "right")]
    cols += [Column(ref.label(u, lang), 1.25, "right") for u in areas]
    cols.append(Column(ref.label(ref.province, lang), 1.35, "right"))
    rows: list[Row] = []
    last_objective = None
    for ind in shown:
        info = ref.info[ind]
        if info["objective"] != last_objective:
            last_objective = info["objective"]
            rows.append(Row([], group=objective_title(ref, ref.review.strategy, last_objective, lang)))
        unit = info["unit"]
        for j, y in enumerate([ref.review.baseline_year, *ms]):
            head = [Cell(ind, cont=j > 0), Cell(info[f"name_{lang}"], cont=j > 0), Cell(str(y), y, "0")]
            if y == ref.review.baseline_year:
                head.append(Cell(DASH))
                vals = []
                for u in [*areas, ref.province]:
                    r = at.get((u, ind, ms[0]))
                    base = r["baseline"] if r is not None and r["baseline_year"] == y else None
                    vals.append(value_cell(base, unit, lang))
            else:
                any_r = next((at[(u, ind, y)] for u in [*areas, ref.province] if (u, ind, y) in at), None)
                head.append(target_cell(any_r["target_op"], any_r["target"], any_r["target_high"], unit, lang)
                            if any_r is not None else Cell(DASH))
                vals = []
                for u in [*areas, ref.province]:
                    r = at.get((u, ind, y))
                    vals.append(value_cell(r["value"], unit, lang, verdict_style(r["status"], r["certainty"]))
                                if r is not None else Cell(DASH))
            rows.append(Row(head + vals))
    notes = [t("annex_areas_note", lang, baseline=ref.review.baseline_year)]
    return AnnexTable("areas", number, ref.text("annex_areas_title", lang), cols, rows, notes=notes)


def _areas_by_row(at: dict, shown: list[str], areas: list[str], ref: Reference, lang: str,
                  number: str) -> AnnexTable:
    """Biểu 2 for dozens of areas (communes): one row per area, one column per indicator, the value at the
    final milestone marked by its verdict; the targets in the header row below the codes; the province last."""
    final = ref.review.final
    width = min(1.6, 21.0 / max(len(shown), 1))
    cols = [Column(t("col_unit_name", lang), 4.6)]
    rows: list[Row] = []
    target_row: list[Cell] = [Cell(t("annex_col_target", lang), style="bold")]
    for ind in shown:
        cols.append(Column(ind, width, "right"))
        any_r = next((at[(u, ind, final)] for u in [*areas, ref.province] if (u, ind, final) in at), None)
        unit = ref.info[ind]["unit"]
        target_row.append(target_cell(any_r["target_op"], any_r["target"], any_r["target_high"], unit, lang)
                          if any_r is not None else Cell(DASH))
    rows.append(Row(target_row))
    for u in [*areas, ref.province]:
        cells = [Cell(ref.label(u, lang), style="bold" if u == ref.province else "")]
        for ind in shown:
            r = at.get((u, ind, final))
            cells.append(value_cell(r["value"], ref.info[ind]["unit"], lang, verdict_style(r["status"], r["certainty"]))
                         if r is not None else Cell(DASH))
        rows.append(Row(cells))
    notes = [t("annex_areas_by_row_note", lang, final=final,
               names="; ".join(f"{i}: {ref.info[i][f'short_{lang}']}" for i in shown))]
    return AnnexTable("areas", number, ref.text("annex_areas_title", lang), cols, rows, notes=notes)


def submissions_table(ds: Dataset, lang: str, number: str) -> AnnexTable:
    """Biểu 5: every reporting unit's form against the deadline (:func:`views.submissions_view`)."""
    ref = ds.ref
    v = views.submissions_view(ds.submissions, ds.quality, ref, lang)
    by = ds.submissions.set_index("unit")
    cols = [Column(t("packet_no", lang), 1.0, "right"), Column(t("col_unit_name", lang), 6.5),
            Column(t("col_submitted", lang), 2.4, "right"), Column(t("col_status", lang, year=""), 2.4),
            Column(t("col_completeness", lang), 2.4, "right"), Column(t("col_flags", lang), 2.4, "right")]
    rows = []
    for n, (code, r) in enumerate(zip(ref.units.reporting, v.to_dict("records"), strict=True), start=1):
        sub = by.loc[code] if code in by.index else None
        date = sub.submitted.date() if sub is not None and pd.notna(sub.submitted) else None
        comp = float(sub.completeness) if sub is not None and pd.notna(sub.completeness) else None
        rows.append(Row([Cell(str(n), n, "0"), Cell(r["unit"]), Cell(r["date"], date, "dd/mm/yyyy"),
                         Cell(r["state_text"], style={"on_time": "achieved", "late": "not_achieved",
                                                      "missing": "not_achieved"}.get(r["state"], "")),
                         Cell(r["completeness"], comp, "0.0%"), Cell(r["flags"], int(r["flags"]), "0")]))
    return AnnexTable("submissions", number, t("annex_submissions_title", lang), cols, rows, landscape=False,
                      notes=[t("submissions_deadline", lang, deadline=views.deadline_rule(ref, lang))])


# --------------------------------------------------------------------------- the proposed targets
def targets_of(ds: Dataset) -> ProvinceTargets:
    """The province's proposed targets of a data set (computed with its derived tables, once)."""
    return ds.targets


def _next_unit(ref: Reference, ind: str) -> str:
    return ref.next.loc[ind, "unit"]


def _p(x, lang: str) -> str:
    return fmt_number(x, 2, lang) if pd.notna(x) else DASH


def level_text(ref: Reference, ind: str, op: str, value, lang: str) -> str:
    return fmt_target(op, value, None, _next_unit(ref, ind), lang, words=False)


def reason_sentence(r: dict, ref: Reference, lang: str) -> str:
    """The reasoning of one recommendation in one sentence (the reason code of the core in words)."""
    ind, unit = r["indicator"], _next_unit(ref, r["indicator"])
    kw = {"year": int(r["year"]), "value": level_text(ref, ind, r["target_op"], r["value"], lang),
          "national": level_text(ref, ind, r["target_op"], r["national"], lang), "p": _p(r["p_met"], lang),
          "k": fmt_number(r["k"], 1, lang) if pd.notna(r["k"]) else DASH, "n": len(r["units"]),
          "verdict": t("verdict_" + r["verdict"], lang).lower() if isinstance(r["verdict"], str) else DASH,
          "national_verdict": (t("verdict_" + r["national_verdict"], lang).lower()
                               if isinstance(r["national_verdict"], str) else DASH),
          "baseline": (f"{fmt_value(r['baseline'], unit, lang)} ({int(r['baseline_year'])})"
                       if pd.notna(r["baseline"]) else DASH),
          "reachable": fmt_value(r["reachable"], unit, lang) if pd.notna(r["reachable"]) else DASH}
    key = r["reason"]
    if key in ("proposed_on_track", "national_on_track") and r["verdict"] == "already_met":
        key += "_met"
    return ref.text("target_reason_" + key, lang, **kw)


def reasons_text(rs: list[dict], ref: Reference, lang: str) -> str:
    """The reasoning of an indicator's recommendations, one sentence per year; one sentence for all
    years when none can be projected (a new indicator, too few or too uncertain data)."""
    if len(rs) > 1 and all(r["reason"] == "national_no_trend" for r in rs) \
            and len({r["national_verdict"] for r in rs}) == 1:
        v = rs[0]["national_verdict"]
        return ref.text("target_reason_all_no_trend", lang,
                        national_verdict=t("verdict_" + v, lang).lower() if isinstance(v, str) else DASH)
    return " ".join(reason_sentence(r, ref, lang) for r in rs)


def targets_table(tg: ProvinceTargets, ref: Reference, lang: str, number: str) -> AnnexTable:
    """Biểu 4: per next-strategy indicator, the national targets, the province's baseline, the range
    of the units' proposals, the recommended provincial figure, its feasibility and its reasoning."""
    years = ref.review.feasibility_years
    cols = [Column(t("col_id", lang), 0.9), Column(t("col_indicator", lang), 3.8), Column(t("col_unit", lang), 1.2),
            Column(t("annex_col_baseline", lang, unit=ref.label(ref.province, lang), year=ref.review.final), 1.5,
                   "right")]
    for y in years:
        cols += [Column(t("annex_col_national", lang, year=y), 1.4, "right"),
                 Column(t("annex_col_range", lang, year=y), 1.6, "right"),
                 Column(t("annex_col_recommended", lang, year=y), 1.4, "right"),
                 Column(t("annex_col_feasible", lang, year=y), 1.7)]
    cols.append(Column(t("annex_col_reason", lang), 5.6))
    rows: list[Row] = []
    rec = tg.recommended.to_dict("records")
    by = {(r["indicator"], int(r["year"])): r for r in rec}
    last_objective = None
    for ind in dict.fromkeys(r["indicator"] for r in rec):
        info = ref.next.loc[ind]
        if info.objective != last_objective:
            last_objective = info.objective
            rows.append(Row([], group=objective_title(ref, ref.review.feasibility_strategy, last_objective, lang)))
        unit = info.unit
        first = by[(ind, years[0])] if (ind, years[0]) in by else next(r for r in rec if r["indicator"] == ind)
        cells = [Cell(ind), Cell(info[f"name_{lang}"]), Cell(views.unit_text(info, lang)),
                 value_cell(first["baseline"], unit, lang)]
        reasons = []
        for y in years:
            r = by.get((ind, y))
            if r is None:
                cells += [Cell(DASH)] * 4
                continue
            rng = DASH if not r["n_units"] else (
                fmt_value(r["proposed_low"], unit, lang, compact=True) if r["proposed_low"] == r["proposed_high"] else
                f"{fmt_value(r['proposed_low'], unit, lang, compact=True)} - "
                f"{fmt_value(r['proposed_high'], unit, lang, compact=True)}") + (
                f" ({r['n_units']})" if r["n_units"] else "")
            verdict = t("verdict_" + r["verdict"], lang) if isinstance(r["verdict"], str) else DASH
            if pd.notna(r["p_met"]):
                verdict += f" (P = {_p(r['p_met'], lang)})"
            cells += [target_cell(r["target_op"], r["national"], None, unit, lang), Cell(rng),
                      Cell(**{**target_cell(r["target_op"], r["value"], None, unit, lang).__dict__, "style": "bold"}),
                      Cell(verdict, style=views.VERDICT_CLASS.get(r["verdict"], "no_data")
                           if isinstance(r["verdict"], str) else "")]
            reasons.append(r)
        cells.append(Cell(reasons_text(reasons, ref, lang)))
        rows.append(Row(cells))
    notes = [ref.text("annex_targets_note", lang), ref.text("feasibility_method", lang)]
    return AnnexTable("targets", number, ref.text("annex_targets_title", lang), cols, rows, notes=notes)


def proposals_table(tg: ProvinceTargets, ref: Reference, lang: str, number: str) -> AnnexTable:
    """Who proposed what: every unit's proposal with its own result and its own feasibility, marked
    where it is weaker than the national target, than its own earlier year or than its own result."""
    cols = [Column(t("col_unit_name", lang), 4.5), Column(t("col_id", lang), 1.0), Column(t("col_indicator", lang), 5.5),
            Column(t("col_year", lang), 1.2, "right"), Column(t("col_proposed", lang), 1.8, "right"),
            Column(t("col_national", lang), 1.8, "right"), Column(t("annex_col_own", lang), 2.2, "right"),
            Column(t("col_verdict", lang), 2.6), Column(t("annex_col_marks", lang), 4.5)]
    rows = []
    nat = {(r["id"], int(r["year"])): r for r in ref.next_targets.to_dict("records")}
    for r in tg.proposals.to_dict("records"):
        ind, unit = r["indicator"], _next_unit(ref, r["indicator"])
        n = nat.get((ind, int(r["year"])))
        marks = [t(k, lang) for k, on in (("below_national_mark", r["below_national"]),
                                          ("weaker_mark", r["weaker_than_earlier"]),
                                          ("below_own_mark", r["below_own_result"])) if on]
        own = (f"{fmt_value(r['last_value'], unit, lang)} ({int(r['last_year'])})" if pd.notna(r["last_value"])
               else DASH)
        verdict = t("verdict_" + r["verdict"], lang) if isinstance(r["verdict"], str) else DASH
        rows.append(Row([Cell(ref.label(r["unit"], lang)), Cell(ind), Cell(ref.next.loc[ind, f"name_{lang}"]),
                         Cell(str(int(r["year"])), int(r["year"]), "0"),
                         target_cell(r["target_op"], r["value"], None, unit, lang),
                         target_cell(n["op"], n["value"], n["value_high"], unit, lang) if n else Cell(DASH),
                         Cell(own, stored(r["last_value"], unit), number_format(unit, value_digits(unit)))
                         if pd.notna(r["last_value"]) else Cell(DASH),
                         Cell(verdict, style=views.VERDICT_CLASS.get(r["verdict"], "no_data")
                              if isinstance(r["verdict"], str) else ""),
                         Cell("; ".join(marks), style="not_achieved" if marks else "")]))
    return AnnexTable("proposals", number, t("annex_proposals_title", lang, next_strategy=ref.review.feasibility_strategy),
                      cols, rows)


def contradiction_sentences(tg: ProvinceTargets, ref: Reference, lang: str, unit: str | None = None) -> list[str]:
    """The contradictions in the proposals in words: one sentence per indicator and kind, naming every
    unit with its figures (of one unit, or of all)."""
    c = tg.contradictions if unit is None else tg.contradictions[tg.contradictions.unit == unit]
    out = []
    for (ind, kind), g in c.groupby(["indicator", "kind"], sort=False):
        u = _next_unit(ref, ind)
        earlier = kind == "weaker_than_earlier"   # compared with another proposal (a round figure), or a result
        items = [t("contradiction_item_" + kind, lang, unit=ref.label(r["unit"], lang), year=int(r["year"]),
                   value=fmt_value(r["value"], u, lang, compact=True), other_year=int(r["other_year"]),
                   other=fmt_value(r["other_value"], u, lang, compact=earlier)) for r in g.to_dict("records")]
        out.append(t("contradiction_" + kind, lang, id=ind, name=ref.next.loc[ind, f"name_{lang}"],
                     n=g.unit.nunique(), items="; ".join(items)))
    return out


def level_sentences(tg: ProvinceTargets, ref: Reference, lang: str) -> dict[str, str]:
    """Who proposed what, per indicator: each year's levels, each with its feasibility on the province's
    trend and the units that proposed it ("Năm 2025: ≥ 55% (P = 1,00): Huyện Can Lộc, ...; ≥ 60% ...")."""
    lv = tg.levels[tg.levels.n_units > 0]
    order = {u: n for n, u in enumerate(ref.units.reporting)}
    out: dict[str, str] = {}
    for ind, g in lv.groupby("indicator", sort=False):
        op = tg.recommended[tg.recommended.indicator == ind].target_op.iloc[0]
        years = []
        for y, gy in g.groupby("year", sort=True):
            items = []
            for r in gy.to_dict("records"):
                p = f"P = {_p(r['p_met'], lang)}" if pd.notna(r["p_met"]) else (
                    t("verdict_" + r["verdict"], lang).lower() if isinstance(r["verdict"], str) else DASH)
                items.append(t("doc_level", lang, value=level_text(ref, ind, op, r["value"], lang), p=p,
                               units=", ".join(ref.label(u, lang) for u in sorted(r["units"], key=order.get))))
            years.append(t("doc_year_value", lang, year=int(y), value="; ".join(items)))
        out[ind] = t("doc_levels", lang, levels=". ".join(x[0].upper() + x[1:] for x in years))
    return out


def target_paragraphs(tg: ProvinceTargets, ref: Reference, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Phần thứ hai of the province's report: per next-strategy objective, one paragraph per indicator (the
    national targets, the province's baseline, what the units proposed, the recommendation and why) with
    a note of who proposed each level and how feasible it is."""
    years = ref.review.feasibility_years
    by = {(r["indicator"], int(r["year"])): r for r in tg.recommended.to_dict("records")}
    levels = level_sentences(tg, ref, lang)
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for obj, inds in ref.next.groupby("objective", sort=False).groups.items():
        paras = []
        for ind in inds:
            rs = [by[(ind, y)] for y in years if (ind, y) in by]
            if not rs:
                continue
            unit = ref.next.loc[ind, "unit"]
            nat = ", ".join(t("doc_year_value", lang, year=int(r["year"]),
                              value=level_text(ref, ind, r["target_op"], r["national"], lang)) for r in rs)
            props = ", ".join(
                t("doc_year_value", lang, year=int(r["year"]), value=(
                    fmt_value(r["proposed_low"], unit, lang, compact=True) if r["proposed_low"] == r["proposed_high"]
                    else f"{fmt_value(r['proposed_low'], unit, lang, compact=True)} - "
                         f"{fmt_value(r['proposed_high'], unit, lang, compact=True)}"))
                for r in rs if r["n_units"])
            recs = ", ".join(t("doc_year_value", lang, year=int(r["year"]),
                               value=level_text(ref, ind, r["target_op"], r["value"], lang)) for r in rs)
            base = rs[0]
            text = t("doc_target_paragraph", lang, id=ind, name=ref.next.loc[ind, f"name_{lang}"], national=nat,
                     baseline=(t("doc_baseline", lang, province=unit_text(ref, ref.province, lang),
                                 value=fmt_value(base["baseline"], unit, lang), year=int(base["baseline_year"]))
                               if pd.notna(base["baseline"]) else t("doc_no_baseline", lang)),
                     proposed=(t("doc_proposed_range", lang, n=max(r["n_units"] for r in rs), values=props)
                               if props else t("doc_no_proposals", lang)),
                     recommended=recs, reasons=reasons_text(rs, ref, lang))
            paras.append((text, levels.get(ind, "")))
        if paras:
            out.append((objective_title(ref, ref.review.feasibility_strategy, obj, lang), paras))
    return out


# --------------------------------------------------------------------------- the one-page summary
@dataclass
class LeaderSummary:
    """The one-page summary for leaders: counts, the largest gains and shortfalls, the areas' heat map,
    the proposed targets that need the most acceleration. Plain texts and small tables, for the HTML
    page and for the first page of the Word draft's annexes."""

    title: str
    subtitle: str
    sample: bool
    counts: list[tuple[int, int, int, str]]     # (milestone, achieved, assessed, "chỉ tiêu đạt năm 2015")
    titles: dict[str, str]                       # the headings: gains, shortfalls, heat, accel
    lines: list[str]                             # views.summary_lines
    gains_head: list[str]
    gains: list[list[str]]
    shortfalls_head: list[str]
    shortfalls: list[list[str]]
    heat_rows: list[str]                         # area labels
    heat_cols: list[str]                         # indicator ids
    heat: list[list[tuple[str, str]]]            # (class, tooltip) per cell
    heat_legend: list[tuple[str, str]]           # (class, words)
    heat_counts: bool                            # rows are the verdicts, cells count the areas (many areas)
    accel_head: list[str]
    accel: list[list[str]]
    notes: list[str]


def _gap(value, op, target, high) -> float:
    """How far a value falls short of its target, relative to the target (0 = met): the order in which
    the assessment lists shortcomings (core.narrative)."""
    if op in (">=", ">"):
        return max(target - value, 0) / abs(target or 1)
    if op in ("<=", "<"):
        return max(value - target, 0) / abs(target or 1)
    return max(target - value, value - high, 0) / abs((high - target) or 1)


def leader_summary(ds: Dataset, lang: str) -> LeaderSummary:
    """The one-page summary of the province (the data set's whole review)."""
    from .charts import HEAT_ORDER

    ref = ds.ref
    r = ref.review
    prog = plain(ds.progress)
    mine = prog[(prog.unit == ref.province) & (prog.status != "not_collected")]
    counts = []
    for m, g in mine.groupby("milestone"):
        counts.append((int(m), int((g.status == "achieved").sum()), len(g), t("brief_achieved", lang, milestone=int(m))))
    final = mine[mine.milestone == r.final]
    rec = final.to_dict("records")

    def name(ind: str) -> str:
        return views.indicator_name(ref, ind, lang)

    gains = [x for x in rec if pd.notna(x["value"]) and pd.notna(x["baseline"]) and pd.notna(x["progress_ratio"])
             and x["progress_ratio"] > 0 and x["baseline_year"] < x["value_year"] and x["breakdown"] == ""]
    gains.sort(key=lambda x: -x["progress_ratio"])
    g_rows = [[x["indicator"], name(x["indicator"]),
               f"{fmt_value(x['baseline'], ref.info[x['indicator']]['unit'], lang)} → "
               f"{fmt_value(x['value'], ref.info[x['indicator']]['unit'], lang)}",
               fmt_target(x["target_op"], x["target"], x["target_high"], ref.info[x["indicator"]]["unit"], lang,
                          words=False),
               fmt_number(x["progress_ratio"], 2, lang)] for x in gains[:TOP]]
    short = [x for x in rec if x["status"] == "not_achieved" and pd.notna(x["value"])]
    short.sort(key=lambda x: -_gap(x["value"], x["target_op"], x["target"], x["target_high"]))
    s_rows = [[x["indicator"], name(x["indicator"]), fmt_value(x["value"], ref.info[x["indicator"]]["unit"], lang),
               fmt_target(x["target_op"], x["target"], x["target_high"], ref.info[x["indicator"]]["unit"], lang,
                          words=False),
               views.verdict_text(x, ref, lang)] for x in short[:TOP]]
    # the areas' heat map at the final milestone
    area = prog[(prog.level == ref.units.area_level) & (prog.milestone == r.final) & (prog.breakdown == "")]
    cols = [i for i in ref.judged.index if i in set(area.indicator[area.status != "not_collected"])]
    at = {(x["unit"], x["indicator"]): x for x in area.to_dict("records")}
    heat = []
    for u in ref.units.areas:
        row = []
        for i in cols:
            x = at.get((u, i))
            cls = "no_data" if x is None else verdict_style(x["status"], x["certainty"])
            tip = f"{i}: {views.verdict_text(x, ref, lang)}" if x is not None else f"{i}: {t('status_no_data', lang)}"
            row.append((cls, tip))
        heat.append(row)
    used = {c for row in heat for c, _ in row}
    legend = [(c, t(f"heat_{c}", lang)) for c in HEAT_ORDER if c in used]
    heat_rows, heat_title = [ref.label(u, lang) for u in ref.units.areas], ref.text("section_heatmap", lang)
    counts_only = len(heat) > MANY_AREAS
    if counts_only:   # dozens of communes do not fit one page: how many areas in each verdict, per indicator
        heat = [[(c if n else "empty", str(n) if n else "") for n in
                 (sum(row[j][0] == c for row in heat) for j in range(len(cols)))] for c, _ in legend]
        heat_rows, heat_title = [words for _, words in legend], ref.text("brief_heat_counts", lang)
    # the proposed targets that need the most acceleration
    tg = targets_of(ds)
    acc = tg.recommended[tg.recommended.verdict.isin(["needs_acceleration", "unlikely"])]
    acc = acc.sort_values(["p_met", "year"], kind="stable").head(TOP)
    a_rows = []
    for x in acc.to_dict("records"):
        unit = _next_unit(ref, x["indicator"])
        a_rows.append([x["indicator"], ref.next.loc[x["indicator"], f"name_{lang}"], str(int(x["year"])),
                       level_text(ref, x["indicator"], x["target_op"], x["value"], lang),
                       f"{fmt_value(x['baseline'], unit, lang)} ({int(x['baseline_year'])})"
                       if pd.notna(x["baseline"]) else DASH,
                       _p(x["p_met"], lang), fmt_number(x["k"], 1, lang) if pd.notna(x["k"]) else DASH])
    return LeaderSummary(
        title=ref.text("brief_title", lang), subtitle=ref.text("report_subtitle", lang), sample=ds.sample,
        counts=counts, lines=views.summary_lines(mine, lang),
        titles={"gains": t("brief_gains", lang), "shortfalls": t("brief_shortfalls", lang),
                "heat": heat_title, "accel": ref.text("brief_accel", lang),
                "none": t("none_line", lang)},
        gains_head=[t("col_id", lang), t("col_indicator", lang), t("brief_col_change", lang, baseline=r.baseline_year,
                                                                    final=r.final),
                    t("col_target", lang, year=r.final), t("brief_col_progress", lang)],
        gains=g_rows,
        shortfalls_head=[t("col_id", lang), t("col_indicator", lang), t("col_result", lang, year=r.final),
                         t("col_target", lang, year=r.final), t("col_status", lang, year=r.final)],
        shortfalls=s_rows, heat_rows=heat_rows, heat_cols=cols, heat=heat,
        heat_legend=[] if counts_only else legend, heat_counts=counts_only,
        accel_head=[t("col_id", lang), t("col_indicator", lang), t("col_year", lang),
                    t("brief_col_recommended", lang), t("annex_col_baseline", lang, unit=ref.label(ref.province, lang),
                                                        year=r.final),
                    t("col_p_met", lang), t("col_k", lang)],
        accel=a_rows,
        notes=[t("brief_note", lang, areas=ref.units.area_label(lang))])


# --------------------------------------------------------------------------- the Word draft's outline
@dataclass
class Block:
    """One piece of the draft's body: a heading (``level`` 1-3), a paragraph, a quoted form text with its
    attribution, a bullet, a small note, or a table."""

    kind: str                    # heading, para, quote, said (a unit's words after its name), bullet, note
    text: str = ""
    level: int = 0
    source: str = ""             # a quote's attribution
    table: AnnexTable | None = None


@dataclass
class DraftDocument:
    """Everything the Word draft of one unit's report holds, in words (see :func:`draft_document`)."""

    unit: str
    kind: str                    # province, area, sector
    lang: str
    sample: bool
    head: dict                   # parent, issuer, number, place, date, summary, opening, to, recipients, signature
    body: list[Block]
    annexes: list[AnnexTable]
    summary: LeaderSummary | None
    annex_basis: str             # "(Kèm theo Báo cáo số .../BC-... ngày ...)"


def document_kind(ref: Reference, unit: str) -> str:
    if unit == ref.province:
        return "province"
    return "sector" if ref.units.level(unit) == "sector" else "area"


def unit_text(ref: Reference, unit: str, lang: str) -> str:
    """A unit's name inside a sentence: "huyện Hương Sơn", "tỉnh Hà Tĩnh", "Sở Y tế" (or English)."""
    u = ref.units.row(unit)
    if u.level == "sector":
        return ref.label(unit, lang)
    if lang == "vi":
        return f"{str(u.type_vi).lower()} {u.name_vi}"
    return f"{u.name_en} {str(u.type_en).lower()}"


def document_head(ref: Reference, unit: str, lang: str) -> dict:
    """The draft's header and end, from the review's ``document:`` key (defaults from i18n when the
    review has none), with the unit's names filled in."""
    kind = document_kind(ref, unit)
    doc = ref.review.document or {}
    given = (doc.get(lang) or {}).get(kind) or {}
    label = ref.label(unit, lang)
    defaults = {"parent": "", "issuer": "{UNIT}", "number": "BC-{abbr}",
                "place": ref.units.row(ref.province)[f"name_{lang}"], "summary": ref.text("report_title", lang),
                "opening": "", "to": [] if kind == "province" else ["{compiler}"],
                "recipients": t("doc_default_recipients", lang).split("|"),
                "signature": t("doc_default_signature", lang).split("|")}
    facts = {**{k: v for k, v in ref.placeholders[lang].items() if isinstance(v, str | int)},
             "unit": label, "UNIT": label.upper(), "unit_text": unit_text(ref, unit, lang),
             "name": ref.units.row(unit)[f"name_{lang}"],
             "abbr": (doc.get("abbreviations") or {}).get(unit, "..."),
             "compiler": ref.label(ref.review.compiler, lang), "province": ref.label(ref.province, lang)}
    head = {}
    for key, default in defaults.items():
        value = given.get(key, default)
        head[key] = [str(x).format(**facts) for x in value] if isinstance(value, list) else str(value).format(**facts)
    head["to"] = [x for x in head["to"] if x != label]     # the compiler's own report goes to no one
    month = doc.get("month") or ref.review.deadline.month
    year = doc.get("year") or ref.review.deadline.year
    # Decree 30: months 1 and 2 are written with a leading 0
    head["month"], head["year"] = (f"{month:02d}" if month < 3 else str(month)), str(year)
    head["date"] = t("doc_date", lang, place=head["place"], month=head["month"], year=head["year"])
    head["number_line"] = t("doc_number", lang, code=head["number"])
    return head


def _said(n: Narrative, section: str, lang: str) -> list[Block]:
    """What was written under one section, the same quotes as the HTML report (:meth:`Narrative.said`):
    in the province's draft after the names of the units that wrote it, in a unit's own after its form cell."""
    if n.gathered:
        return [Block("said", q.text, source=", ".join(q.units)) for q in n.said(section)]
    return [Block("quote", q.text, source=t("from_form", lang, source=", ".join(q.sources))) for q in n.said(section)]


def _or_none(blocks: list[Block], lang: str) -> list[Block]:
    return blocks or [Block("note", t("none_line", lang))]


def draft_document(ds: Dataset, unit: str, lang: str) -> DraftDocument:
    """The outline of the summary report of ``unit`` (the province: the compiler's report gathering
    every unit's; an area or a department: its own report), filled from the data set.

    Phần thứ nhất: I. leadership and organisation (the forms' texts); II. results objective by objective
    (each indicator's sentences, :func:`result_sentence`); III. overall assessment (results,
    shortcomings, causes objective/subjective, those the data shows); IV. lessons. Phần thứ hai: the
    next strategy's targets (the province: the recommended targets with their reasoning and the
    contradictions in the proposals; a unit: its own proposals and their feasibility). Phần thứ ba:
    recommendations (the province: also the commendation shortlist). Then the annexes.
    """
    ref, r = ds.ref, ds.ref.review
    unit = ref.units.resolve(unit)
    kind = document_kind(ref, unit)
    province = kind == "province"
    prog = ds.progress
    texts = ds.narratives
    n: Narrative = narrative_of(unit, prog, texts, ref, lang)
    T = lambda key, **kw: ref.text(key, lang, **kw)  # noqa: E731
    body: list[Block] = [Block("note", T("doc_outline_note"))]
    head = document_head(ref, unit, lang)
    if head["opening"]:
        body.append(Block("para", head["opening"]))

    # ---- Phần thứ nhất
    body.append(Block("heading", T("doc_part1"), 1))
    body.append(Block("heading", f"{ROMAN[0]}. {T('section_lead').upper()}", 2))
    for i, key in enumerate(LEADERSHIP, start=1):
        body.append(Block("heading", f"{i}. {t('section_' + key, lang)}", 3))
        body += _or_none(_said(n, key, lang), lang)

    body.append(Block("heading", f"{ROMAN[1]}. {T('doc_results').upper()}", 2))
    mine = plain(prog[prog.unit == unit])
    body += [Block("para", line) for line in views.summary_lines(mine, lang)]
    order = _order(ref)
    mine = mine.assign(_o=mine.indicator.map(order)).sort_values(["_o", "breakdown", "milestone"], kind="stable")
    n_obj = 0
    for obj, g in mine.groupby(mine.indicator.map(lambda i: ref.info[i]["objective"]), sort=False):
        n_obj += 1
        body.append(Block("heading", f"{n_obj}. {objective_title(ref, r.strategy, obj, lang)}", 3))
        for (ind, bd), gi in g.groupby(["indicator", "breakdown"], sort=False):
            sentences = list(dict.fromkeys(result_sentence(x, ref, lang) for x in gi.itertuples()))
            body.append(Block("para", f"{ind}{' (' + t('breakdown_' + bd, lang) + ')' if bd else ''}. "
                              + " ".join(sentences)))

    body.append(Block("heading", f"{ROMAN[2]}. {T('section_evaluation').upper()}", 2))
    body.append(Block("heading", f"1. {T('section_results')}", 3))
    body += [Block("bullet", x) for x in n.results]
    if n.improvements:
        body.append(Block("para", T("section_improvements") + ":"))
        body += [Block("bullet", x) for x in n.improvements]
    body += _said(n, "results", lang)
    body.append(Block("heading", f"2. {T('section_shortcomings')}", 3))
    body += [Block("bullet", x) for x in n.shortcomings]
    body += _said(n, "shortcomings", lang)
    body.append(Block("heading", f"3. {T('section_causes')}", 3))
    for j, group in enumerate(("causes_objective", "causes_subjective")):
        body.append(Block("para", f"{LETTERS[j]}) {T('section_' + group)}"))
        body += _or_none(_said(n, group, lang), lang)
    if n.computed_causes:
        body.append(Block("para", f"{LETTERS[2]}) {T('doc_computed_causes')}"))
        body += [Block("bullet", x) for x in n.computed_causes]
    body.append(Block("heading", f"{ROMAN[3]}. {T('section_lessons').upper()}", 2))
    body += _or_none(_said(n, "lessons", lang), lang)

    # ---- Phần thứ hai
    body.append(Block("heading", T("doc_part2"), 1))
    tg = targets_of(ds)
    if province:
        body.append(Block("para", T("doc_targets_intro")))
        for i, (title, paras) in enumerate(target_paragraphs(tg, ref, lang), start=1):
            body.append(Block("heading", f"{i}. {title}", 3))
            for text, note in paras:
                body.append(Block("para", text))
                if note:
                    body.append(Block("note", note))
        body.append(Block("heading", T("doc_contradictions"), 3))
        body += _or_none([Block("bullet", x) for x in contradiction_sentences(tg, ref, lang)], lang)
    else:
        body += _or_none([Block("para", x) for x in own_target_sentences(ds, unit, lang)], lang)
        c = contradiction_sentences(tg, ref, lang, unit)
        if c:
            body.append(Block("heading", T("doc_contradictions"), 3))
            body += [Block("bullet", x) for x in c]
    body.append(Block("note", T("feasibility_method")))

    # ---- Phần thứ ba
    body.append(Block("heading", T("doc_part3"), 1))
    recs = _said(n, "recommendations", lang)
    if province:
        body.append(Block("heading", f"{ROMAN[0]}. {T('section_recommendations').upper()}", 2))
        body += _or_none(recs, lang)
        body.append(Block("heading", f"{ROMAN[1]}. {T('section_shortlist').upper()}", 2))
        from ..core.league import shortlist

        sl = shortlist(prog, ds.league, ds.submissions, ref)
        body += _or_none([Block("bullet", x) for x in views.shortlist_items(sl, ref, lang)], lang)
        body.append(Block("note", T("shortlist_criteria", deadline_rule=views.deadline_rule(ref, lang))))
    else:
        body += _or_none(recs, lang)

    # ---- the annexes
    if province:
        annexes = [results_table(prog, unit, ref, lang, "1"), areas_table(prog, ref, lang, "2"),
                   sectors_table(prog, ref, lang, "3"), targets_table(tg, ref, lang, "4"),
                   submissions_table(ds, lang, "5")]
        summary = leader_summary(ds, lang)
    else:
        annexes = [results_table(prog, unit, ref, lang, "1"), own_targets_table(ds, unit, lang, "2")]
        summary = None
    issuer = {"province": ref.label(ref.review.compiler, lang), "sector": ref.label(unit, lang),
              "area": t("doc_area_issuer", lang, unit=unit_text(ref, unit, lang))}[kind]
    basis = t("doc_annex_basis", lang, code=head["number"], month=head["month"], year=head["year"], issuer=issuer)
    return DraftDocument(unit, kind, lang, ds.sample, head, body, annexes, summary, basis)


def own_target_sentences(ds: Dataset, unit: str, lang: str) -> list[str]:
    """A unit's own proposals, one sentence per indicator: its values beside the national targets, and
    the feasibility of each on its own trend (the ``proposed`` rows of the feasibility table)."""
    ref = ds.ref
    f = ds.feasibility
    f = f[(f.unit == unit) & (f.target_kind == "proposed")]
    out = []
    for ind, g in f.groupby("indicator", sort=False):
        unit_of = ref.next.loc[ind, "unit"]
        parts = []
        for x in g.sort_values("year").to_dict("records"):
            verdict = t("verdict_" + x["verdict"], lang).lower()
            parts.append(t("doc_own_target_part", lang, year=int(x["year"]),
                           value=fmt_target(x["target_op"], x["target"], None, unit_of, lang, words=False),
                           national=fmt_target(x["target_op"], x["national_target"], None, unit_of, lang, words=False)
                           if pd.notna(x["national_target"]) else DASH, verdict=verdict))
        last = g.iloc[0]
        base = (t("doc_own_result", lang, value=fmt_value(last["last_value"], unit_of, lang), year=int(last["last_year"]))
                if pd.notna(last["last_value"]) else "")
        out.append(t("doc_own_target", lang, id=ind, name=ref.next.loc[ind, f"name_{lang}"], base=base,
                     parts="; ".join(parts)))
    order = {i: n for n, i in enumerate(ref.next.index)}
    return [s for _, s in sorted(zip(f.drop_duplicates("indicator").indicator.map(order), out, strict=True),
                                 key=lambda x: x[0])]


def own_targets_table(ds: Dataset, unit: str, lang: str, number: str) -> AnnexTable:
    """A unit's own proposals for the next strategy with their feasibility (Biểu 2 of a unit's draft)."""
    ref = ds.ref
    f = ds.feasibility
    f = f[(f.unit == unit) & (f.target_kind == "proposed")]
    v = views.feasibility_view(f, ref, lang)
    cols = [Column(t("col_id", lang), 1.0), Column(t("col_indicator", lang), 6.4), Column(t("col_year", lang), 1.2, "right"),
            Column(t("col_proposed", lang), 1.9, "right"), Column(t("col_national", lang), 1.9, "right"),
            Column(t("col_last", lang), 2.2, "right"), Column(t("col_p_met", lang), 1.6, "right"),
            Column(t("col_verdict", lang), 3.0), Column(t("col_reachable", lang), 1.9, "right")]
    rows = []
    for x, vv in zip(f.to_dict("records"), v.to_dict("records"), strict=True):
        u = ref.next.loc[x["indicator"], "unit"]
        cont = bool(rows) and rows[-1].cells[0].text == x["indicator"]
        rows.append(Row([Cell(x["indicator"], cont=cont), Cell(vv["name"], cont=cont), Cell(str(vv["year"]), vv["year"], "0"),
                         target_cell(x["target_op"], x["target"], None, u, lang),
                         target_cell(x["target_op"], x["national_target"], None, u, lang),
                         Cell(vv["last"]), Cell(vv["p_met"], None if pd.isna(x["p_met"]) else float(x["p_met"]), "0.00"),
                         Cell(vv["verdict"] + ("; " + "; ".join(vv["caveats"]) if vv["caveats"] else ""),
                              style=vv["verdict_class"]),
                         Cell(vv["reachable"])]))
    return AnnexTable("own_targets", number, ref.text("annex_own_targets_title", lang), cols, rows, landscape=True,
                      notes=[ref.text("feasibility_method", lang)])


def shortlist_table(ds: Dataset, lang: str, number: str) -> AnnexTable:
    """The commendation shortlist with its criteria, and the league table it comes from (workbook)."""
    from ..core.league import shortlist

    ref = ds.ref
    lt = ds.league
    v = views.league_view(lt, ref, lang)
    cols = [Column(h, w, "left" if i in (0, 1) else "right")
            for i, (h, w) in enumerate(zip(views.league_head(ref, lang), [2.4, 5.0, 2.2, 2.0, 2.0, 2.2, 2.4, 2.4],
                                           strict=True))]
    sl = shortlist(ds.progress, lt, ds.submissions, ref)
    picked = set(sl.unit)
    rows = []
    for x, lv in zip(v.to_dict("records"), lt.to_dict("records"), strict=True):
        share = None if pd.isna(lv["share_achieved"]) else float(lv["share_achieved"])
        plain_rank = bool(lv["ranked"]) and not bool(lv["tied"])      # a tie or "not ranked" is said in words
        rows.append(Row([Cell(x["rank"], int(lv["rank"]) if plain_rank else None, "0"),
                         Cell(x["unit"], style="bold" if lv["unit"] in picked else ""),
                         Cell(x["assessed"]), Cell(x["achieved"], int(lv["achieved"]), "0"),
                         Cell(x["share"], share, "0.0%"),
                         Cell(x["mean_progress"], None if pd.isna(lv["mean_progress"]) else float(lv["mean_progress"]),
                              "0.00"),
                         Cell(x["raw"], None if pd.isna(lv["mmr_raw"]) else float(lv["mmr_raw"]), "0"),
                         Cell(x["eb"], None if x["eb"] == DASH else float(lv["mmr_eb"]), "0")]))
    notes = [t("annex_shortlist_head", lang), *views.shortlist_items(sl, ref, lang),
             ref.text("shortlist_criteria", lang, deadline_rule=views.deadline_rule(ref, lang)),
             ref.text("league_method", lang)]
    return AnnexTable("shortlist", number, ref.text("annex_shortlist_title", lang), cols, rows, notes=notes)


def contradictions_table(tg: ProvinceTargets, ref: Reference, lang: str, number: str) -> AnnexTable:
    cols = [Column(t("col_unit_name", lang), 4.5), Column(t("col_id", lang), 1.0), Column(t("col_indicator", lang), 6.0),
            Column(t("annex_col_kind", lang), 4.0), Column(t("col_year", lang), 1.2, "right"),
            Column(t("col_proposed", lang), 1.8, "right"), Column(t("annex_col_compared", lang), 2.6, "right")]
    rows = []
    for x in tg.contradictions.to_dict("records"):
        u = _next_unit(ref, x["indicator"])
        rows.append(Row([Cell(ref.label(x["unit"], lang)), Cell(x["indicator"]),
                         Cell(ref.next.loc[x["indicator"], f"name_{lang}"]),
                         Cell(t("contradiction_kind_" + x["kind"], lang), style="not_achieved"),
                         Cell(str(int(x["year"])), int(x["year"]), "0"), value_cell(x["value"], u, lang),
                         Cell(f"{fmt_value(x['other_value'], u, lang)} ({int(x['other_year'])})",
                              stored(x["other_value"], u), number_format(u, value_digits(u)))]))
    return AnnexTable("contradictions", number, t("annex_contradictions_title", lang), cols, rows)


def packet_tables(prog: pd.DataFrame, ref: Reference, lang: str, ds: Dataset | None = None
                  ) -> list[tuple[str, AnnexTable]]:
    """The annex workbook's sheets, in order, each with its sheet name: the province's indicators
    (Biểu 1), the areas side by side (2), the departments (3); with the data set, the proposed targets
    (4), who proposed what (4a), the contradictions (4b), the submissions (5) and the commendation
    shortlist (6); then one sheet per area and department, named by the unit."""
    prog = plain(prog)
    T = lambda key: ref.text(key, lang)  # noqa: E731
    out = [(ref.label(ref.province, lang), results_table(prog, ref.province, ref, lang, "1")),
           (T("packet_sheet_areas"), areas_table(prog, ref, lang, "2")),
           (T("packet_sheet_sectors"), sectors_table(prog, ref, lang, "3"))]
    if ds is not None:
        tg = targets_of(ds)
        out += [(T("packet_sheet_targets"), targets_table(tg, ref, lang, "4")),
                (T("packet_sheet_proposals"), proposals_table(tg, ref, lang, "4a")),
                (T("packet_sheet_contradictions"), contradictions_table(tg, ref, lang, "4b")),
                (T("packet_sheet_submissions"), submissions_table(ds, lang, "5")),
                (T("packet_sheet_shortlist"), shortlist_table(ds, lang, "6"))]
    units = [*ref.units.areas, *ref.units.sectors]
    base = "7" if ds is not None else "4"
    for n, code in enumerate(units, start=1):
        out.append((ref.label(code, lang), results_table(prog, code, ref, lang, f"{base}.{n}")))
    return out
