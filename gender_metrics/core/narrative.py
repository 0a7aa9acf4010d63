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
from ..reference import SECTIONS, Reference, fold
from . import stats
from .frames import each_row

TERM_YEARS = 5
TOP_IMPROVEMENTS = 3
CHANGE_ALPHA = 0.05       # a change between two milestones is asserted only when its test says so
LESSON_SIMILARITY = 0.8   # difflib ratio on folded text above which two lessons count as one
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Quote:
    """What units wrote in their forms, verbatim: the text, the units that wrote it (their labels; the
    province gathers near-duplicates from several) and the form cells it came from."""

    text: str
    units: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


@dataclass
class Narrative:
    """One unit's assessment. ``own`` holds what the unit wrote (the province: every unit), verbatim and
    attributed, by section; ``results``, ``improvements``, ``shortcomings`` and ``computed_causes`` are
    sentences computed from the figures. Every list is of plain text (a :class:`Quote` prints as its text)."""

    unit: str
    lang: str
    own: dict[str, list[Quote]] = field(default_factory=dict)
    results: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    shortcomings: list[str] = field(default_factory=list)
    computed_causes: list[str] = field(default_factory=list)
    gathered: bool = False     # the province's: gathered from every unit
    written: bool = True       # the unit writes an assessment (a published national series does not)

    def said(self, section: str) -> list[Quote]:
        """What was written under ``section`` (a key of ``reference.SECTIONS``)."""
        return self.own.get(section, [])

    @property
    def causes(self) -> list[str]:
        """The causes the units gave (objective, then subjective), then those the figures show."""
        return [q.text for g in ("causes_objective", "causes_subjective") for q in self.said(g)] + self.computed_causes

    @property
    def lessons(self) -> list[str]:
        return [q.text for q in self.said("lessons")]

    @property
    def recommendations(self) -> list[str]:
        return [q.text for q in self.said("recommendations")]


def _strip_parenthesis(name: str) -> str:
    """A name without its trailing parenthesis (the terms are said in the sentence)."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name)


def short_name(ref: Reference, indicator: str, lang: str, breakdown: str = "") -> str:
    """The indicator's short name (for a breakdown: the body's own name, "Tỷ lệ nữ đại biểu Quốc hội")."""
    info = ref.info[indicator]
    bds = info.get("breakdowns") or {}
    if breakdown and breakdown in bds:
        return bds[breakdown][f"short_{lang}"]
    name = info.get(f"short_{lang}") or _strip_parenthesis(info[f"name_{lang}"])
    return name + (f" ({t('breakdown_' + breakdown, lang)})" if breakdown else "")


def phrase(ref: Reference, indicator: str, lang: str, breakdown: str = "") -> SimpleNamespace:
    """How a sentence says one indicator's value: subject, verb, unit after the value, a tail ("so với năm
    2010") and the target's wording, from the catalogue's ``say`` (defaults by kind: a share "đạt", a ratio
    or a rate "là")."""
    info = ref.info[indicator]
    say = (info.get("say") or {}).get(lang, {})
    unit = info["unit"] if lang == "en" else info["unit_vi"]
    default_verb = ("đạt" if info["kind"] == "share" else "là") if lang == "vi" else ""
    return SimpleNamespace(
        subject=say.get("subject") or short_name(ref, indicator, lang, breakdown),
        verb=say.get("verb", default_verb), tail=say.get("tail", ""),
        unit=say.get("unit", "" if unit.startswith("%") else f" {unit}"),   # a percentage carries its sign
        target=say.get("target", "{target}"))


def _period(row, lang: str, term: bool, year=None) -> str:
    y = int(row.value_year if year is None else year)
    if term:
        return t("period_term", lang, start=y, end=y + TERM_YEARS)
    return t("period_year", lang, year=y)


def _elected(year, lang: str) -> str:
    """A term named by its election year ("nhiệm kỳ bầu năm 2007"): a term's end is not always five
    years on (the National Assembly elected in 2007 sat until 2011)."""
    return t("period_elected", lang, year=int(year))


def _gap(value: float, op: str, target: float, high: float) -> float:
    """How far a value falls short of its target, relative to the target (0 = met)."""
    if op in (">=", ">"):
        return max(target - value, 0) / abs(target or 1)
    if op in ("<=", "<"):
        return max(value - target, 0) / abs(target or 1)
    return max(target - value, value - high, 0) / abs(high - target or 1)


def qualifier(row, ref: Reference, lang: str = "vi") -> str:
    """What the statistics say of a verdict, in words: "" (firm, exact), or the reason it could
    flip by chance (docs/methods.md §2): an interval across the target, or small numbers."""
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


def _value(x, ref: Reference, indicator: str, lang: str) -> str:
    return fmt_value(x, ref.info[indicator]["unit"], lang)


def result_sentence(row, ref: Reference, lang: str = "vi") -> str:
    """One sentence for one progress row (an indicator at a milestone), the way an official writes it:
    "Tỷ số tử vong mẹ năm 2020 là 150 ca trên 100.000 trẻ đẻ sống, chưa đạt mục tiêu đề ra (không quá
    52); số liệu nhỏ (3 ca), chưa đủ tin cậy để so sánh." The official verdict on the reported value
    comes first, then what the statistics say of it."""
    info = ref.info[row.indicator]
    say = phrase(ref, row.indicator, lang, getattr(row, "breakdown", ""))
    if row.status == "not_collected":
        return t("sentence_not_collected", lang, name=say.subject)
    if row.status == "no_data" or pd.isna(row.value):
        return t("sentence_no_data", lang, name=say.subject, year=int(row.milestone))
    term = len(info["election_years"]) > 0
    subject, period = say.subject, _period(row, lang, term)
    if re.search(r"(năm|year|\d{4})$", subject):  # "… hằng năm, năm 2020, …": no "năm năm"
        subject, period = subject + ",", period + ","
    target = say.target.format(target=fmt_target(row.target_op, row.target, row.target_high, info["unit"], lang))
    kw = {"name": subject, "period": period, "verb": say.verb, "tail": say.tail, "target": target,
          "value": _value(row.value, ref, row.indicator, lang) + say.unit}
    if row.status == "incomplete":
        return ref.text("sentence_incomplete", lang, reported=int(row.units_reported), expected=int(row.units_expected),
                        **kw)
    counts = ""  # the parts, where they are what makes the verdict uncertain (small numbers say them)
    if row.certainty == "uncertain" and pd.notna(row.numerator) and pd.notna(row.denominator):
        counts = _counts(row, "sentence_counts_srb" if info["interval"] == "srb" else "sentence_counts", lang)
    key = "sentence_achieved" if row.status == "achieved" else "sentence_not_achieved"
    return t(key, lang, counts=counts, qualifier=qualifier(row, ref, lang), **kw).replace("  ", " ")


def improvement_sentence(row, ref: Reference, lang: str = "vi") -> str:
    """How far an indicator moved from its baseline: "Tỷ lệ nữ thạc sĩ tăng từ 25,0% năm 2010 lên 37,8%
    năm 2020." (a value that is itself a change, such as a reduction since a year, says its last level)."""
    info = ref.info[row.indicator]
    say = phrase(ref, row.indicator, lang, getattr(row, "breakdown", ""))
    term = len(info["election_years"]) > 0
    kw = {"name": say.subject, "verb": say.verb, "tail": say.tail,   # a unit in words is said once, at the end
          "start": _value(row.baseline, ref, row.indicator, lang),
          "end": _value(row.value, ref, row.indicator, lang) + say.unit,
          "y0": _elected(row.baseline_year, lang) if term else _period(row, lang, False, row.baseline_year),
          "y1": _elected(row.value_year, lang) if term else _period(row, lang, False, row.value_year)}
    if say.tail:
        key = "sentence_change"
    else:
        key = "sentence_rose" if row.value > row.baseline else "sentence_fell"
    return t(key, lang, **kw).replace("  ", " ")


def _rows(prog: pd.DataFrame) -> list[SimpleNamespace]:
    """A unit's progress rows as plain objects (a few dozen): sentences are built row by row, and
    pandas indexing per row would cost more than the sentences."""
    return each_row(prog)


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
    shortcomings += [ref.text("sentence_moving_away", lang, name=phrase(ref, r.indicator, lang, r.breakdown).subject)
                     for r in p if r.pace == "moving_away"]
    return results, improvements, shortcomings


def _worse(a, b, direction: str) -> bool:
    """Whether ``b`` is further from the target than ``a``: lower for an increase, higher for a decrease
    or a ceiling, further outside the band (of ``b``'s target) for a band."""
    if direction == "increase":
        return b.value < a.value
    if direction in ("decrease", "ceiling"):
        return b.value > a.value
    return _gap(b.value, b.target_op, b.target, b.target_high) > _gap(a.value, b.target_op, b.target, b.target_high)


def computed_causes(prog: pd.DataFrame, ref: Reference, lang: str = "vi") -> list[str]:
    """Causes the data itself shows: no data reported, small numbers, a result worse than at the milestone
    before the final one. "Worse" is further from the target (for a band: further outside it), asserted
    only where a two-sample test finds the change (docs/methods.md §4: difference of proportions or of log
    rates, 5%; a complete count's change is exact) and where it shows at the precision the report prints."""
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
        pairs = [(at[(i, b, previous)], r) for (i, b, m), r in at.items() if m == final and (i, b, previous) in at]
        shown = {i: (lambda x, i=i: _value(x, ref, i, lang)) for i in {b.indicator for _, b in pairs}}
        pairs = [(a, b) for a, b in pairs if shown[b.indicator](a.value) != shown[b.indicator](b.value)
                 and _worse(a, b, ref.info[b.indicator]["direction"])]
        if pairs:
            method = [ref.info[b.indicator]["interval"] for _, b in pairs]
            pv = stats.change_pvalue(method, [a.numerator for a, _ in pairs], [a.denominator for a, _ in pairs],
                                     [b.numerator for _, b in pairs], [b.denominator for _, b in pairs])
            worse = [ref.text("cause_regression_item", lang, name=phrase(ref, b.indicator, lang, b.breakdown).subject,
                       start=shown[b.indicator](a.value), end=shown[b.indicator](b.value))
                     for (a, b), q in zip(pairs, pv, strict=True) if q < CHANGE_ALPHA]
            if worse:
                out.append(ref.text("cause_regression", lang, items="; ".join(worse)))
    return out


def _similar(a: str, b: str) -> bool:
    """difflib's ratio ≥ ``LESSON_SIMILARITY``, its cheap upper bounds tried first (most pairs differ)."""
    m = difflib.SequenceMatcher(None, a, b)
    return (m.real_quick_ratio() >= LESSON_SIMILARITY and m.quick_ratio() >= LESSON_SIMILARITY
            and m.ratio() >= LESSON_SIMILARITY)


def gather(items: pd.DataFrame, ref: Reference, lang: str = "vi") -> list[Quote]:
    """Gather texts (columns unit, text, and source when known): near-duplicates merged (difflib ratio
    ≥ 0.8 on text without case, diacritics or punctuation, and the same figures in both), each with the units that gave it and the
    cells it came from; most-shared first, then in the order given. A text that names its own unit
    ("Huyện Đức Thọ đã …") is that unit's statement: never merged with another's."""
    groups: list[tuple[str, str, list[str], list[str]]] = []   # (folded text, first wording, units, sources)
    has_source = "source" in items
    names = {c: fold(n) for c, n in zip(ref.units.table.code, ref.units.table.name_vi, strict=True)}
    for r in each_row(items):
        key = fold(r.text)
        src = r.source if has_source else ""
        if names.get(r.unit, "\0") in key:   # "Huyện Đức Thọ đã …": the unit's own statement, kept as its own
            groups.append((key, r.text, [r.unit], [src]))
            continue
        for g in groups:
            if names.get(g[2][0], "\0") in g[0]:
                continue
            # near-duplicates, and the same figures: "12 văn bản" and "9 văn bản" are two facts, not one
            if _NUMBER.findall(key) == _NUMBER.findall(g[0]) and _similar(key, g[0]):
                if r.unit not in g[2]:
                    g[2].append(r.unit)
                    g[3].append(src)
                break
        else:
            groups.append((key, r.text, [r.unit], [src]))
    groups.sort(key=lambda g: -len(g[2]))
    return [Quote(text, tuple(ref.label(u, lang) for u in units), tuple(s for s in sources if s))
            for _, text, units, sources in groups]


def merge_lessons(items: pd.DataFrame, ref: Reference, lang: str = "vi") -> list[tuple[str, list[str]]]:
    """:func:`gather` as (text, unit labels) pairs."""
    return [(q.text, list(q.units)) for q in gather(items, ref, lang)]


def narrative_of(unit: str, prog: pd.DataFrame, texts: pd.DataFrame, ref: Reference, lang: str = "vi") -> Narrative:
    """The whole assessment of ``unit`` from the progress table and the forms' narratives: what the unit
    wrote, every section verbatim (the province: what every unit wrote, gathered and attributed), and
    the sentences computed from its figures."""
    n = Narrative(unit, lang, gathered=unit == ref.province,
                  written=unit == ref.province or unit in ref.units.reporting)
    mine = prog[prog.unit == unit]
    n.results, n.improvements, n.shortcomings = assess(mine, ref, lang)
    n.computed_causes = computed_causes(mine, ref, lang)
    written = texts[texts.section.isin(SECTIONS)]
    if n.gathered:
        for section in SECTIONS:
            n.own[section] = gather(written[written.section == section], ref, lang)
        return n
    label = ref.label(unit, lang)
    own = each_row(written[written.unit == unit])   # a few dozen texts: sorted into sections in Python
    for section in SECTIONS:
        n.own[section] = [Quote(r.text, (label,), (r.source,)) for r in own if r.section == section]
    return n
