"""Display tables: the core's codes and numbers turned into the words and figures a reader sees.

Each function takes the core's tables (and the review's :class:`~gender_metrics.reference.Reference`)
and returns a DataFrame of display text, one row per line of the table. The HTML reports, the annex
workbook (packet) and the Word draft all build from these, so a number reads the same everywhere.
"""

from __future__ import annotations

import re

import pandas as pd

from ..i18n import fmt_date, fmt_number, fmt_percent, fmt_target, fmt_value, t
from ..reference import Reference

DASH = "–"


def source_text(source, lang: str, ref: Reference) -> str:
    """A source for display: a form cell as is; the area aggregate in the report's language."""
    if not isinstance(source, str):
        return ""
    m = re.fullmatch(r"sum of (\d+) districts", source)
    return ref.text("source_sum", lang, n=int(m.group(1))) if m else source


def quality_detail(check: str, detail: str, lang: str) -> str:
    """The reason a value is flagged, in the report's language (the table keeps the score)."""
    m = re.search(r"(\d+(?:\.\d+)?)", str(detail))
    x = float(m.group(1)) if m else float("nan")
    return t(f"quality_{check}", lang, x=fmt_number(x, 1, lang))


def indicator_name(ref: Reference, ind: str, lang: str, breakdown: str = "") -> str:
    name = ref.info[ind][f"name_{lang}"]
    return name + (f" ({t(f'breakdown_{breakdown}', lang)})" if breakdown else "")


def unit_text(info, lang: str) -> str:
    """An indicator's unit as the reader sees it (``info``: a catalogue row or its dict)."""
    return info["unit"] if lang == "en" else info["unit_vi"]


def year_note(r: dict, ref: Reference, lang: str) -> str:
    """Which year's value a verdict used, in the report's language."""
    if pd.isna(r["value_year"]):
        return ""
    if len(ref.info[r["indicator"]]["election_years"]):
        return t("note_term", lang, year=int(r["value_year"]))
    if int(r["value_year"]) != int(r["milestone"]):
        return t("note_year_before", lang, year=int(r["value_year"]), milestone=int(r["milestone"]))
    return ""


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (categorical columns as their values): the views work on these, not on
    pandas rows, so a report's tables cost milliseconds."""
    return df.astype({c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}).to_dict("records")


# --------------------------------------------------------------------------- results
def results_view(prog: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """One unit's results, one row per indicator (× breakdown): baseline, then per milestone the
    target (as a sign "≥ 25%" and in words "từ 25% trở lên"), the result, its interval, the year note
    and the verdict; the pace, the source, and the assessment at the last milestone with a value."""
    milestones = ref.review.milestones
    groups: dict[tuple, dict[int, dict]] = {}
    for r in _records(prog):
        groups.setdefault((r["indicator"], r["breakdown"]), {})[int(r["milestone"])] = r
    rows = []
    for (ind, bd), by in groups.items():
        info = ref.info[ind]
        unit = info["unit"]
        first, last = by[min(by)], by[max(by)]
        row = {"id": ind, "breakdown": bd, "name": indicator_name(ref, ind, lang, bd), "unit": unit_text(info, lang),
               "verified": info["verified"] == "yes",
               "baseline": (fmt_value(first["baseline"], unit, lang)
                            if first["baseline_year"] == ref.review.baseline_year else ""),
               "pace": t("pace_" + last["pace"], lang), "source": source_text(last["source"], lang, ref)}
        for m in milestones:
            r = by.get(m)
            if r is None:
                row.update({f"{k}_{m}": "" for k in ("target", "target_words", "value", "ci", "note", "status",
                                                     "status_text")})
                continue
            op, tv, hi = r["target_op"], r["target"], r["target_high"]
            row.update({
                f"target_{m}": fmt_target(op, tv, hi, unit, lang, words=False),
                f"target_words_{m}": fmt_target(op, tv, hi, unit, lang),
                f"value_{m}": fmt_value(r["value"], unit, lang),
                f"ci_{m}": (f"({fmt_value(r['ci_low'], unit, lang)} - {fmt_value(r['ci_high'], unit, lang)})"
                            if pd.notna(r["ci_low"]) else ""),
                f"note_{m}": year_note(r, ref, lang),
                f"status_{m}": r["status"], f"status_text_{m}": t("status_" + r["status"], lang),
            })
        judged = next((by[m] for m in reversed(milestones) if m in by), None)
        row["assessment"] = t("status_" + judged["status"], lang) if judged is not None else ""
        rows.append(row)
    return pd.DataFrame(rows)


def results_head(ref: Reference, lang: str) -> list[str]:
    head = [t("col_id", lang), t("col_indicator", lang), t("col_unit", lang), ref.text("col_baseline", lang)]
    for y in ref.review.milestones:
        head += [t("col_target", lang, year=y), t("col_result", lang, year=y), t("col_status", lang, year=y)]
    return head + [t("col_pace", lang), t("col_source", lang)]


def summary_lines(prog: pd.DataFrame, lang: str) -> list[str]:
    """One line per milestone: how many indicators achieved, not achieved, inconclusive, without data."""
    p = prog[prog.status != "not_collected"]
    lines = []
    for m, g in p.groupby("milestone"):
        c = g.status.value_counts()
        lines.append(t("summary_line", lang, milestone=m, total=len(g), **{
            s: int(c.get(s, 0)) for s in ("achieved", "not_achieved", "inconclusive", "no_data")}))
    return lines


def legend_view(prog: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """The names behind the indicator codes of the heat map, in the strategy's order."""
    shown = set(prog.indicator[(prog.level == ref.units.area_level) & (prog.milestone == ref.review.final)])
    names = ref.judged[f"name_{lang}"]
    return pd.DataFrame([{"id": i, "name": n} for i, n in names.items() if i in shown], columns=["id", "name"])


# --------------------------------------------------------------------------- targets and feasibility
def targets_view(prop: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """A unit's proposed targets beside the national ones, one row per indicator it proposed for."""
    tg = {(r["id"], r["year"]): r for r in ref.next_targets.to_dict("records")}
    pv = {(r["indicator"], r["year"]): r["value"] for r in _records(prop)}
    info_of = ref.next.to_dict("index")
    rows = []
    for i in sorted({k[0] for k in pv}):
        info = info_of[i]
        row = {"id": i, "name": info[f"name_{lang}"], "unit": unit_text(info, lang)}
        for y in ref.review.feasibility_years:
            nat = tg.get((i, y))
            row[f"national_{y}"] = (fmt_target(nat["op"], nat["value"], nat["value_high"], info["unit"], lang,
                                               words=False) if nat is not None else DASH)
            row[f"proposed_{y}"] = fmt_value(pv[(i, y)], info["unit"], lang) if (i, y) in pv else DASH
        rows.append(row)
    return pd.DataFrame(rows)


def targets_head(ref: Reference, lang: str) -> list[str]:
    head = [t("col_id", lang), t("col_indicator", lang), t("col_unit", lang)]
    for y in ref.review.feasibility_years:
        head += [f"{t('col_national', lang)} {y}", f"{t('col_proposed', lang)} {y}"]
    return head


VERDICT_CLASS = {"already_met": "achieved", "on_track": "achieved", "needs_acceleration": "inconclusive",
                 "unlikely": "not_achieved"}


def feasibility_view(f: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """Feasibility rows of one unit (national and proposed targets) as display text."""
    info_of = ref.next.to_dict("index")
    rows = []
    for r in _records(f):
        info = info_of[r["indicator"]]

        def fv(x, u=info["unit"]):
            return fmt_value(x, u, lang)

        rows.append({
            "id": r["indicator"], "name": info[f"name_{lang}"], "year": int(r["year"]),
            "kind": t("target_kind_" + r["target_kind"], lang),
            "target": fmt_target(r["target_op"], r["target"], r.get("target_high"), info["unit"], lang, words=False),
            "below_national": bool(r["below_national"]),
            "last": f"{fv(r['last_value'])} ({int(r['last_year'])})" if pd.notna(r["last_year"]) else DASH,
            "projected": (f"{fv(r['projected'])} ({fv(r['pi_low'])} - {fv(r['pi_high'])})"
                          if pd.notna(r["projected"]) else DASH),
            "p_met": fmt_number(r["p_met"], 2, lang) if pd.notna(r["p_met"]) else DASH,
            "k": fmt_number(r["k"], 1, lang) if pd.notna(r["k"]) else DASH,
            "verdict": t("verdict_" + r["verdict"], lang), "verdict_class": VERDICT_CLASS.get(r["verdict"], "no_data"),
            "reachable": fv(r["reachable"]) if pd.notna(r["reachable"]) else DASH,
        })
    return pd.DataFrame(rows)


def feasibility_head(lang: str) -> list[str]:
    return [t("col_id", lang), t("col_indicator", lang), t("col_year", lang), t("col_target_kind", lang),
            t("col_target", lang, year=""), t("col_last", lang), t("col_projected", lang), t("col_p_met", lang),
            t("col_k", lang), t("col_verdict", lang), t("col_reachable", lang)]


# --------------------------------------------------------------------------- the province's tables
def league_view(lt: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "rank": str(r.rank), "unit": ref.label(r.unit, lang), "assessed": str(int(r.assessed)),
        "achieved": str(int(r.achieved)),
        "share": fmt_percent(100 * r.share_achieved, lang) if pd.notna(r.share_achieved) else DASH,
        "mean_progress": fmt_number(r.mean_progress, 2, lang), "raw": fmt_number(r.mmr_raw, 0, lang),
        "eb": fmt_number(r.mmr_eb, 0, lang)} for r in lt.itertuples()])


def league_head(ref: Reference, lang: str) -> list[str]:
    return [t("col_rank", lang), t("col_unit_name", lang), t("col_assessed", lang), t("col_achieved", lang),
            t("col_share_achieved", lang), t("col_mean_progress", lang), ref.text("col_mmr_raw", lang),
            t("col_mmr_eb", lang)]


def shortlist_items(sl: pd.DataFrame, ref: Reference, lang: str) -> list[str]:
    return [f"{ref.label(r.unit, lang)} ({fmt_percent(100 * r.share_achieved, lang)})" for r in sl.itertuples()]


SUBMISSION_CLASS = {"on_time": "achieved", "late": "inconclusive", "missing": "not_achieved", "unknown": "no_data"}


def submissions_view(subs: pd.DataFrame, quality: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """Every reporting unit: received on time, late or missing; completeness; flags to review."""
    by = subs.set_index("unit")
    flags = quality.groupby("unit").size()
    rows = []
    for code in ref.units.reporting:
        if code in by.index:
            r = by.loc[code]
            st = "unknown" if pd.isna(r.submitted) else ("on_time" if r.on_time else "late")
            date, comp = fmt_date(r.submitted, lang), fmt_percent(100 * r.completeness, lang)
        else:
            st, date, comp = "missing", DASH, DASH
        rows.append({"unit": ref.label(code, lang), "date": date, "state": st, "state_class": SUBMISSION_CLASS[st],
                     "state_text": t("status_" + st, lang), "completeness": comp, "flags": str(int(flags.get(code, 0)))})
    return pd.DataFrame(rows)


def submissions_head(lang: str) -> list[str]:
    return [t("col_unit_name", lang), t("col_submitted", lang), t("col_status", lang, year=""),
            t("col_completeness", lang), t("col_flags", lang)]


def quality_view(q: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "unit": ref.label(r.unit, lang), "indicator": r.indicator, "year": str(r.year),
        "value": fmt_number(r.value, 1, lang), "check": t("check_" + r.check, lang),
        "detail": quality_detail(r.check, r.detail, lang), "source": r.source} for r in q.itertuples()])


def quality_head(lang: str) -> list[str]:
    return [t("col_unit_name", lang), t("col_id", lang), t("col_year", lang), t("col_value", lang),
            t("col_check", lang), t("col_detail", lang), t("col_source", lang)]


def complete_counts(ref: Reference) -> str:
    """The judged indicators that count every seat or body (no sampling interval), as a list of ids."""
    ind = ref.judged
    return ", ".join(ind.index[(ind.interval == "none") & (ind.kind == "share")])

