"""The assessment in words: results, shortcomings, causes, lessons, recommendations (vi and en).

Pure functions over the progress table and the forms' narratives: DataFrames in, sentences out.
Sentences follow the plan 121/KH-UBND outline, e.g. "Tỷ lệ nữ đại biểu Hội đồng nhân dân nhiệm kỳ
2016-2021 đạt 31,4% (mục tiêu trên 35%), chưa đạt mục tiêu." Text the units wrote is kept verbatim
and attributed; causes the software derives from the data are labelled as computed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..i18n import fmt_number, fmt_target, fmt_value, t
from ..reference import Reference, fold
from . import stats
from .progress import plain
from .rules import DOWN

TERM_YEARS = 5
TOP_IMPROVEMENTS = 3
CHANGE_ALPHA = 0.05       # a change between two milestones is asserted only when its test says so
LESSON_SIMILARITY = 0.8   # difflib ratio on folded text above which two lessons count as one


@dataclass
class Narrative:
    """The sections of one unit's assessment; every entry is a plain sentence (not HTML)."""

    unit: str
    lang: str
    results: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    shortcomings: list[str] = field(default_factory=list)
    causes: list[tuple[str, str, str]] = field(default_factory=list)   # (group, text, attribution)
    computed_causes: list[str] = field(default_factory=list)
    lessons: list[tuple[str, list[str]]] = field(default_factory=list)  # (text, units that gave it)
    recommendations: list[tuple[str, str]] = field(default_factory=list)  # (text, attribution)
    units_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # province: (section, text) -> units


def _short_name(name: str) -> str:
    """The indicator's name without its trailing parenthesis (the terms are said in the sentence)."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name)


def _period(row, lang: str, term: bool) -> str:
    y = int(row.value_year)
    if term:
        return t("period_term", lang, start=y, end=y + TERM_YEARS)
    return t("period_year", lang, year=y)


def _gap(value: float, op: str, target: float, high: float) -> float:
    """How far a value falls short of its target, relative to the target (0 = met)."""
    if op in (">=", ">"):
        return max(target - value, 0) / abs(target or 1)
    if op in ("<=", "<"):
        return max(value - target, 0) / abs(target or 1)
    return max(target - value, value - high, 0) / abs(high - target or 1)


def _info(ref: Reference, indicator: str) -> SimpleNamespace:
    """A judged indicator's catalogue entry with attribute access."""
    d = ref.info[indicator]
    return SimpleNamespace(**d, **{"name": {"vi": d["name_vi"], "en": d["name_en"]}})


def qualifier(row, ref: Reference, lang: str = "vi") -> str:
    """What the statistics say of a verdict, in words: "" (firm, exact), or the reason it could
    flip by chance (METHODS.md §2): an interval across the target, or small numbers."""
    info = ref.info[row.indicator]
    if row.certainty == "uncertain":
        return t("qualifier_uncertain", lang, low=fmt_value(row.ci_low, info["unit"], lang),
                 high=fmt_value(row.ci_high, info["unit"], lang))
    if row.certainty == "small_numbers":
        return t("qualifier_small", lang, counts=_counts(row, "small_count_" + info["interval"], lang))
    return ""


def _counts(row, key: str, lang: str) -> str:
    num, den = (fmt_number(x, 0, lang) for x in (row.numerator, row.denominator))
    return t(key, lang, num=num, den=den, events=fmt_number(row.events, 0, lang))


def result_sentence(row, ref: Reference, lang: str = "vi") -> str:
    """One sentence for one progress row (an indicator at a milestone): the official verdict on the
    reported value, then what the statistics say of it."""
    info = _info(ref, row.indicator)
    name = _short_name(info.name[lang])
    if getattr(row, "breakdown", ""):
        name += f" ({t('breakdown_' + row.breakdown, lang)})"
    unit = info.unit
    if row.status == "not_collected":
        return t("sentence_not_collected", lang, name=name)
    if row.status == "no_data" or pd.isna(row.value):
        return t("sentence_no_data", lang, name=name, year=int(row.milestone))
    term = len(info.election_years) > 0
    period = _period(row, lang, term)
    if re.search(r"(năm|year|\d{4})$", name):  # "… hằng năm, năm 2020, đạt …": no "năm năm"
        name, period = name + ",", period + ","
    kw = {"name": name, "period": period, "value": fmt_value(row.value, unit, lang),
          "target": fmt_target(row.target_op, row.target, row.target_high, unit, lang)}
    if row.status == "incomplete":
        return ref.text("sentence_incomplete", lang, reported=int(row.units_reported), expected=int(row.units_expected),
                        **kw)
    counts = ""  # the parts, where they are what makes the verdict uncertain (small numbers say them)
    if row.certainty == "uncertain" and pd.notna(row.numerator) and pd.notna(row.denominator):
        counts = _counts(row, "sentence_counts_srb" if info.interval == "srb" else "sentence_counts", lang)
    verb = t("verb_down" if row.target_op in DOWN else "verb_up", lang)  # a ceiling "is", a goal is "reached"
    key = "sentence_achieved" if row.status == "achieved" else "sentence_not_achieved"
    return t(key, lang, counts=counts, verb=verb, qualifier=qualifier(row, ref, lang), **kw)


def improvement_sentence(row, ref: Reference, lang: str = "vi") -> str:
    info = _info(ref, row.indicator)
    key = "sentence_rose" if row.value > row.baseline else "sentence_fell"
    return t(key, lang, name=_short_name(info.name[lang]), start=fmt_value(row.baseline, info.unit, lang),
             end=fmt_value(row.value, info.unit, lang), y0=int(row.baseline_year), y1=int(row.value_year))


def _rows(prog: pd.DataFrame) -> list[SimpleNamespace]:
    """A unit's progress rows as plain objects (a few dozen): sentences are built row by row, and
    pandas indexing per row would cost more than the sentences."""
    return [SimpleNamespace(**r) for r in plain(prog).to_dict("records")]


def assess(prog: pd.DataFrame, ref: Reference, lang: str = "vi") -> tuple[list[str], list[str], list[str]]:
    """At the review's final milestone: (results, largest improvements since the baseline,
    shortcomings ordered by how far they fell short)."""
    p = [r for r in _rows(prog) if r.milestone == ref.review.final and r.status != "not_collected"]
    results = [result_sentence(r, ref, lang) for r in p if r.status == "achieved"]
    imp = [r for r in p if pd.notna(r.value) and pd.notna(r.baseline) and r.baseline_year < r.value_year
           and r.pace != "target_met" and pd.notna(r.progress_ratio) and r.progress_ratio > 0]
    imp.sort(key=lambda r: -r.progress_ratio)  # stable: ties keep the table's order
    improvements = [improvement_sentence(r, ref, lang) for r in imp[:TOP_IMPROVEMENTS]]
    order = {"not_achieved": 0, "incomplete": 1, "no_data": 2}
    short = [r for r in p if r.status in order]
    gap = {id(r): _gap(r.value, r.target_op, r.target, r.target_high) if pd.notna(r.value) else np.inf for r in short}
    short.sort(key=lambda r: (order[r.status], -gap[id(r)]))
    shortcomings = [result_sentence(r, ref, lang) for r in short]
    shortcomings += [ref.text("sentence_moving_away", lang, name=_short_name(_info(ref, r.indicator).name[lang]))
                     for r in p if r.pace == "moving_away"]
    return results, improvements, shortcomings


def computed_causes(prog: pd.DataFrame, ref: Reference, lang: str = "vi") -> list[str]:
    """Causes the data itself shows: no data reported, small numbers, a regression since the milestone
    before the final one, asserted only where a two-sample test finds the change (METHODS.md §4:
    difference of proportions or of log rates, 5%; a complete count's change is exact)."""
    final, previous = ref.review.final, ref.review.previous
    p = [r for r in _rows(prog) if r.status != "not_collected"]
    out = []
    nodata = sorted({r.indicator for r in p if r.milestone == final and r.status == "no_data"})
    if nodata:
        out.append(ref.text("cause_no_data", lang, n=len(nodata), ids=", ".join(nodata)))
    small = sorted({r.indicator for r in p if r.certainty == "small_numbers"})
    if small:
        out.append(t("cause_small_numbers", lang, ids=", ".join(small)))
    if previous is not None:
        at = {(r.indicator, r.breakdown, r.milestone): r for r in p if pd.notna(r.value)}
        up = ref.judged.direction.isin(["increase", "band"]).to_dict()
        pairs = [(at[(i, b, previous)], r) for (i, b, m), r in at.items() if m == final and (i, b, previous) in at]
        pairs = [(a, b) for a, b in pairs if (b.value < a.value if up[b.indicator] else b.value > a.value)]
        if pairs:
            method = [ref.info[b.indicator]["interval"] for _, b in pairs]
            pv = stats.change_pvalue(method, [a.numerator for a, _ in pairs], [a.denominator for a, _ in pairs],
                                     [b.numerator for _, b in pairs], [b.denominator for _, b in pairs])
            worse = sorted({b.indicator for (_, b), q in zip(pairs, pv, strict=True) if q < CHANGE_ALPHA})
            if worse:
                out.append(ref.text("cause_regression", lang, ids=", ".join(worse)))
    return out


def merge_lessons(items: pd.DataFrame, ref: Reference, lang: str = "vi") -> list[tuple[str, list[str]]]:
    """Gather lessons (columns unit, text): near-duplicates merged (difflib ratio ≥ 0.8 on text without
    case, diacritics or punctuation), each with the units that gave it; most-shared first."""
    groups: list[tuple[str, str, list[str]]] = []   # (folded text, first wording, units)
    for r in items.itertuples():
        key = fold(r.text)
        for g in groups:
            if difflib.SequenceMatcher(None, key, g[0]).ratio() >= LESSON_SIMILARITY:
                if r.unit not in g[2]:
                    g[2].append(r.unit)
                break
        else:
            groups.append((key, r.text, [r.unit]))
    groups.sort(key=lambda g: -len(g[2]))
    return [(text, [ref.label(u, lang) for u in units]) for _, text, units in groups]


def narrative_of(unit: str, prog: pd.DataFrame, texts: pd.DataFrame, ref: Reference, lang: str = "vi") -> Narrative:
    """The whole assessment of ``unit`` from the progress table and the forms' narratives."""
    n = Narrative(unit, lang)
    mine = prog[prog.unit == unit]
    n.results, n.improvements, n.shortcomings = assess(mine, ref, lang)
    n.computed_causes = computed_causes(mine, ref, lang)
    own = texts[texts.unit == unit]
    if unit == ref.province:  # the province gathers what every unit wrote, near-duplicates merged and attributed
        def gathered(section):
            merged = merge_lessons(texts[texts.section == section][["unit", "text"]], ref, lang)
            n.units_of.update({(section, text): us for text, us in merged})
            return [(text, t("lessons_from", lang, n=len(us), units=", ".join(us))) for text, us in merged]
        for group in ("causes_objective", "causes_subjective"):
            n.causes += [(group, text, who) for text, who in gathered(group)]
        n.recommendations = gathered("recommendations")
        n.lessons = merge_lessons(texts[texts.section == "lessons"][["unit", "text"]], ref, lang)
        return n
    for group in ("causes_objective", "causes_subjective"):
        for r in own[own.section == group].itertuples():
            n.causes.append((group, r.text, t("from_form", lang, source=r.source)))
    for r in own[own.section == "recommendations"].itertuples():
        n.recommendations.append((r.text, t("from_form", lang, source=r.source)))
    n.lessons = merge_lessons(own[own.section == "lessons"][["unit", "text"]], ref, lang)
    return n

