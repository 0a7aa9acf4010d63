"""Display tables: the core's codes and numbers turned into the words and figures a reader sees.

Each function takes the core's tables (and the review's :class:`~gender_metrics.reference.Reference`)
and returns a DataFrame of display text, one row per line of the table. The HTML reports, the annex
workbook (packet) and the Word draft all build from these, so a number reads the same everywhere.
"""

from __future__ import annotations

import re

import pandas as pd

from ..core.frames import each_row, records
from ..core.narrative import short_name
from ..i18n import fmt_date, fmt_number, fmt_percent, fmt_target, fmt_value, t
from ..reference import Reference

DASH = "–"


def source_text(source, lang: str, ref: Reference) -> str:
    """A source for display: a form cell as is; the area aggregate in the report's language."""
    if not isinstance(source, str):
        return ""
    m = re.fullmatch(r"sum of (\d+) districts", source)
    if m:
        return ref.text("source_sum", lang, n=int(m.group(1)))
    national = ref.review.national_file
    m = re.match(r"(.+)!row (\d+)", source)
    if national is not None and m and m.group(1) == national.name:   # the published national series
        return ref.national_sources.get(int(m.group(2)), {}).get(lang, source)
    return source


def indicator_name(ref: Reference, ind: str, lang: str, breakdown: str = "") -> str:
    """The indicator's full name as the strategy writes it (a breakdown: the body's short name)."""
    bds = ref.info[ind].get("breakdowns") or {}
    if breakdown in bds:
        return bds[breakdown][f"short_{lang}"]
    name = ref.info[ind][f"name_{lang}"]
    return name + (f" ({t(f'breakdown_{breakdown}', lang)})" if breakdown else "")


def interval_text(low, high, unit: str, lang: str) -> str:
    """"(108,2 - 123,9)"; nothing where there is no interval or it prints as one number."""
    if pd.isna(low) or pd.isna(high):
        return ""
    lo, hi = fmt_value(low, unit, lang), fmt_value(high, unit, lang)
    return "" if lo == hi else f"({lo} - {hi})"


def target_notes(ref: Reference, ids, lang: str) -> list[str]:
    """The footnotes of a table of targets: the legal basis, the targets not yet checked against the
    original text (and where to check them), and the targets that are our reading of the text."""
    ids = list(dict.fromkeys(ids))
    notes = []
    basis = ref.review.texts[lang].get("strategy_basis")
    if basis:
        notes.append(t("targets_basis_note", lang, basis=basis, strategy=ref.review.strategy))
    unverified = [i for i in ids if ref.info[i]["verified"] != "yes"]
    if unverified:
        notes.append(t("unverified_note", lang, ids=", ".join(unverified), basis=basis or ref.review.strategy))
    for i in ids:
        note = ref.info[i].get(f"target_note_{lang}")
        if isinstance(note, str) and note:
            notes.append(f"{i}: {note}")
    return notes


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
    return records(df)


# --------------------------------------------------------------------------- results
def results_rows(prog: pd.DataFrame, ref: Reference, lang: str) -> list[dict]:
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
        row = {"id": ind, "breakdown": bd, "name": indicator_name(ref, ind, lang, bd),
               "short": short_name(ref, ind, lang, bd), "unit": unit_text(info, lang),
               "verified": info["verified"] == "yes",
               "baseline": (fmt_value(first["baseline"], unit, lang)
                            if first["baseline_year"] == ref.review.baseline_year else ""),
               "pace": t("pace_" + last["pace"], lang), "source": source_text(last["source"], lang, ref)}
        for m in milestones:
            r = by.get(m)
            if r is None:
                row.update({f"{k}_{m}": "" for k in ("target", "target_words", "value", "ci", "note", "status",
                                                     "status_text", "certainty", "certainty_text", "verdict")})
                continue
            op, tv, hi = r["target_op"], r["target"], r["target_high"]
            row.update({
                f"target_{m}": fmt_target(op, tv, hi, unit, lang, words=False),
                f"target_words_{m}": fmt_target(op, tv, hi, unit, lang),
                f"value_{m}": fmt_value(r["value"], unit, lang),
                f"ci_{m}": interval_text(r["ci_low"], r["ci_high"], unit, lang),
                f"note_{m}": " · ".join(x for x in (year_note(r, ref, lang), basis_note(r, ref, lang)) if x),
                f"status_{m}": r["status"], f"status_text_{m}": status_text(r, ref, lang),
                f"certainty_{m}": r["certainty"], f"certainty_text_{m}": certainty_text(r, lang),
                f"verdict_{m}": verdict_text(r, ref, lang),
            })
        judged = next((by[m] for m in reversed(milestones) if m in by), None)
        row["assessment"] = verdict_text(judged, ref, lang) if judged is not None else ""
        rows.append(row)
    return rows


def results_view(prog: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """:func:`results_rows` as a table (the packet, the Word draft)."""
    return pd.DataFrame(results_rows(prog, ref, lang))


def status_text(r: dict, ref: Reference, lang: str) -> str:
    """The official verdict in words; an incomplete sum says how many areas it has ("3/13 huyện")."""
    text = t("status_" + r["status"], lang)
    if r["status"] == "incomplete":
        text += f" ({int(r['units_reported'])}/{int(r['units_expected'])} {ref.units.area_label(lang, short=True)})"
    return text


def certainty_text(r: dict, lang: str) -> str:
    """What the statistics say of the verdict, where it could flip by chance ("" when firm)."""
    c = r["certainty"]
    if c == "small_numbers" and pd.notna(r.get("events")):
        return t("certainty_small_numbers_n", lang, events=fmt_number(r["events"], 0, lang))
    return t("certainty_" + c, lang) if c in ("uncertain", "small_numbers") else ""


def verdict_text(r: dict, ref: Reference, lang: str) -> str:
    """Both layers in one phrase, for a table cell: "Chưa đạt (số liệu nhỏ: 3 ca)"."""
    c = certainty_text(r, lang)
    return status_text(r, ref, lang) + (f" ({c})" if c else "")


def verdict_texts(prog: pd.DataFrame, ref: Reference, lang: str) -> list[str]:
    """:func:`verdict_text` of every row of a progress table (for chart hovers)."""
    return [verdict_text(r, ref, lang) for r in _records(prog)]


def basis_note(r: dict, ref: Reference, lang: str) -> str:
    """For the province: whose figure the verdict uses, with the areas' sum beside it."""
    if r.get("basis") != "department" or pd.isna(r.get("value_districts")):
        return ""
    owner = ref.units.owner.get(r["indicator"])
    return t("note_department", lang, unit=ref.label(owner, lang) if owner else "",
             value=fmt_value(r["value_districts"], ref.info[r["indicator"]]["unit"], lang),
             n=int(r["units_reported"]) if pd.notna(r.get("units_reported")) else 0,
             expected=int(r["units_expected"]) if pd.notna(r.get("units_expected")) else 0,
             areas=ref.units.area_label(lang, short=True))


def results_head(ref: Reference, lang: str) -> list[str]:
    head = [t("col_id", lang), t("col_indicator", lang), t("col_unit", lang), ref.text("col_baseline", lang)]
    for y in ref.review.milestones:
        head += [t("col_target", lang, year=y), t("col_result", lang, year=y), t("col_status", lang, year=y)]
    return head + [t("col_pace", lang), t("col_source", lang)]


def summary_lines(prog: pd.DataFrame, lang: str) -> list[str]:
    """One line per milestone: the verdicts counted (achieved, not achieved, incomplete, without data;
    only the kinds that occur), and how many of them are uncertain (small numbers, or an interval
    across the target)."""
    p = prog[prog.status != "not_collected"]
    lines = []
    for m, g in p.groupby("milestone"):
        c = g.status.astype(str).value_counts()
        uncertain = int(g.certainty.isin(["uncertain", "small_numbers"]).sum())
        kinds = [s for s in ("achieved", "not_achieved", "incomplete", "no_data") if c.get(s, 0)]
        if len(g) == 1:
            line = t("summary_single", lang, milestone=m, state=t("status_" + kinds[0], lang).lower())
            line += t("summary_uncertain_one", lang) if uncertain else ""
        else:
            parts = ", ".join(t(f"summary_part_{s}", lang, n=int(c[s])) for s in kinds)
            line = t("summary_lead", lang, milestone=m, total=len(g), parts=parts)
            line += t("summary_uncertain", lang, n=uncertain) if uncertain else ""
        lines.append(line)
    return lines


def legend_view(prog: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """The names behind the indicator codes of the heat map, in the strategy's order."""
    shown = set(prog.indicator[(prog.level == ref.units.area_level) & (prog.milestone == ref.review.final)])
    names = ref.judged[f"name_{lang}"]
    return pd.DataFrame([{"id": i, "name": n} for i, n in names.items() if i in shown], columns=["id", "name"])


# --------------------------------------------------------------------------- targets and feasibility
def targets_rows(prop: pd.DataFrame, ref: Reference, lang: str) -> list[dict]:
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
    return rows


def targets_view(prop: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """:func:`targets_rows` as a table."""
    return pd.DataFrame(targets_rows(prop, ref, lang))


def targets_head(ref: Reference, lang: str) -> list[str]:
    head = [t("col_id", lang), t("col_indicator", lang), t("col_unit", lang)]
    for y in ref.review.feasibility_years:
        head += [f"{t('col_national', lang)} {y}", f"{t('col_proposed', lang)} {y}"]
    return head


VERDICT_CLASS = {"already_met": "achieved", "on_track": "achieved", "needs_acceleration": "warn",
                 "unlikely": "not_achieved"}


def caveat_texts(caveats: str, ref: Reference, lang: str) -> list[str]:
    """The caveats of a feasibility row (codes from the core) in the report's language."""
    out = []
    for code in filter(None, str(caveats or "").split(";")):
        name, _, arg = code.partition(":")
        if name in ("no_history", "no_obs", "chow"):
            continue   # the verdict says it, or it is a detail of the method
        out.append(ref.text(f"caveat_{name}", lang, n=arg, year=arg))
    return out


def feasibility_rows(f: pd.DataFrame, ref: Reference, lang: str) -> list[dict]:
    """Feasibility rows of one unit (national and proposed targets) as display text: the verdict
    with its caveats beside it, k only where the trend heads toward the target."""
    info_of = ref.next.to_dict("index")
    rows = []
    for r in _records(f):
        info = info_of[r["indicator"]]

        def fv(x, u=info["unit"]):
            return fmt_value(x, u, lang)

        away = "away" in str(r.get("caveats") or "").split(";")
        marks = [t("below_national_mark", lang)] if r["below_national"] else []
        if r.get("weaker_than_earlier"):
            marks.append(t("weaker_mark", lang))
        rows.append({
            "id": r["indicator"], "name": info[f"name_{lang}"], "short": info[f"short_{lang}"], "year": int(r["year"]),
            "kind": t("target_kind_" + r["target_kind"], lang),
            "target": fmt_target(r["target_op"], r["target"], r.get("target_high"), info["unit"], lang, words=False),
            "marks": marks,
            "last": f"{fv(r['last_value'])} ({int(r['last_year'])})" if pd.notna(r["last_year"]) else DASH,
            "projected": (f"{fv(r['projected'])} ({fv(r['pi_low'])} - {fv(r['pi_high'])})"
                          if pd.notna(r["projected"]) else DASH),
            "p_met": fmt_number(r["p_met"], 2, lang) if pd.notna(r["p_met"]) else DASH,
            "k": (t("k_away", lang) if away else DASH if r["verdict"] == "already_met" or pd.isna(r["k"])
                  else fmt_number(r["k"], 1, lang)),   # no pace is needed for a target already met
            "verdict": t("verdict_" + r["verdict"], lang), "verdict_class": VERDICT_CLASS.get(r["verdict"], "no_data"),
            "caveats": caveat_texts(r.get("caveats"), ref, lang),
            "reachable": fv(r["reachable"]) if pd.notna(r["reachable"]) else DASH,
        })
    return rows


def feasibility_view(f: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """:func:`feasibility_rows` as a table (the Word draft)."""
    return pd.DataFrame(feasibility_rows(f, ref, lang))


def feasibility_head(lang: str) -> list[str]:
    return [t("col_id", lang), t("col_indicator", lang), t("col_year", lang), t("col_target", lang, year=""),
            t("col_last", lang), t("col_projected", lang), t("col_p_met", lang), t("col_k", lang),
            t("col_verdict", lang), t("col_reachable", lang)]


# --------------------------------------------------------------------------- the province's tables
def league_view(lt: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """The league table as text: ranks with ties said, unranked units said why, the smoothed rate
    only where the areas differ beyond chance."""
    rows = []
    for r in each_row(lt):
        if not r.ranked:
            rank = t("league_unranked", lang, assessed=int(r.assessed), expected=int(r.expected))
        else:
            rank = t("league_tied", lang, rank=int(r.rank)) if r.tied else str(int(r.rank))
        rows.append({
            "rank": rank, "unit": ref.label(r.unit, lang), "assessed": f"{int(r.assessed)}/{int(r.expected)}",
            "achieved": str(int(r.achieved)),
            "share": fmt_percent(100 * r.share_achieved, lang) if pd.notna(r.share_achieved) else DASH,
            "mean_progress": fmt_number(r.mean_progress, 2, lang), "raw": fmt_number(r.mmr_raw, 0, lang),
            "eb": DASH if r.eb_flat else fmt_number(r.mmr_eb, 0, lang)})
    return pd.DataFrame(rows)


def league_head(ref: Reference, lang: str) -> list[str]:
    return [t("col_rank", lang), t("col_unit_name", lang), t("col_assessed", lang), t("col_achieved", lang),
            t("col_share_achieved", lang), t("col_mean_progress", lang), ref.text("col_mmr_raw", lang),
            t("col_mmr_eb", lang)]


def shortlist_items(sl: pd.DataFrame, ref: Reference, lang: str) -> list[str]:
    out = []
    for r in each_row(sl):
        kw = {"unit": ref.label(r.unit, lang), "achieved": int(r.achieved), "assessed": int(r.assessed),
              "share": fmt_percent(100 * r.share_achieved, lang)}
        rank = t("league_tied", lang, rank=int(r.rank)) if r.kind == "area" and r.tied else \
            (str(int(r.rank)) if r.kind == "area" else "")
        out.append(t("shortlist_area", lang, rank=rank, **kw) if r.kind == "area" else
                   t("shortlist_sector", lang, **kw))
    return out


def deadline_rule(ref: Reference, lang: str) -> str:
    """How the review's deadline is read, in words ("trước ngày 23/04/2021 (… ngày 23/04/2021 trở đi là chậm)")."""
    r = ref.review
    rule = t(f"deadline_rule_{r.deadline_rule}", lang, date=fmt_date(r.deadline, lang))
    if r.deadline_placeholder:   # a provisional date: the compiler fills in the real one
        rule = t("deadline_placeholder", lang, date=rule, compiler=ref.label(r.compiler, lang))
    return rule


SUBMISSION_CLASS = {"on_time": "achieved", "late": "warn", "missing": "not_achieved", "unknown": "no_data"}


def submission_state(code: str, subs: pd.DataFrame) -> str:
    """on_time, late, missing, or unknown (a form without a date)."""
    row = subs[subs.unit == code]
    if row.empty:
        return "missing"
    r = row.iloc[0]
    return "unknown" if pd.isna(r.submitted) else ("on_time" if r.on_time else "late")


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


QUALITY_COLUMNS = ["unit", "indicator", "year", "value", "check", "detail", "source"]


def quality_rows(q: pd.DataFrame, ref: Reference, lang: str) -> list[dict]:
    """The values to check again, most important first, each with what was found and what to check."""
    rows = []
    for r in _records(q):
        unit = ref.info[r["indicator"]]["unit"]
        fv = lambda x, u=unit: fmt_value(x, u, lang)  # noqa: E731
        if r["check"] == "jump":
            when = (t("quality_term_before", lang, year=int(r["previous_year"])) if r["term"]
                    else t("quality_year_before", lang, year=int(r["previous_year"])))
            key = "quality_jump_up" if r["value"] > r["previous_value"] else "quality_jump_down"
            detail = t(key, lang, x=fmt_number(r["score"], 1, lang), when=when, before=fv(r["previous_value"]))
        else:
            detail = t("quality_outlier", lang, median=fv(r["reference_value"]))
        rows.append({"unit": ref.label(r["unit"], lang), "indicator": r["indicator"], "year": str(r["year"]),
                     "value": fv(r["value"]), "check": t("check_" + r["check"], lang), "detail": detail,
                     "source": r["source"]})
    return rows


def quality_view(q: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """:func:`quality_rows` as a table."""
    return pd.DataFrame(quality_rows(q, ref, lang), columns=QUALITY_COLUMNS)


def quality_head(lang: str) -> list[str]:
    return [t("col_unit_name", lang), t("col_id", lang), t("col_year", lang), t("col_value", lang),
            t("col_check", lang), t("col_detail", lang), t("col_source", lang)]


def complete_counts(ref: Reference) -> str:
    """The judged indicators that count every seat or body (no sampling interval), as a list of ids."""
    ind = ref.judged
    return ", ".join(ind.index[(ind.interval == "none") & (ind.kind == "share")])



# --------------------------------------------------------------------------- exports (progress, feasibility)
def _rounded(x, unit: str):
    """A value rounded as the reports print it (whole numbers for rates per 100,000; else one decimal)."""
    if x is None or pd.isna(x):
        return None
    return round(float(x), 0 if unit.startswith("per 100000") else 1)


def progress_export(prog: pd.DataFrame, ref: Reference, lang: str, sample: bool) -> pd.DataFrame:
    """The progress table for a spreadsheet, in the user's language: unit and indicator names beside their
    codes, the target in words, the value rounded as printed, the verdict and its certainty in words."""
    rows = []
    for r in _records(prog):
        info = ref.info[r["indicator"]]
        rows.append({
            "unit_code": r["unit"], "unit": ref.label(r["unit"], lang), "indicator_id": r["indicator"],
            "indicator": indicator_name(ref, r["indicator"], lang, r["breakdown"]), "unit_of_measure": unit_text(info, lang),
            "milestone": int(r["milestone"]),
            "target": fmt_target(r["target_op"], r["target"], r["target_high"], info["unit"], lang),
            "value": _rounded(r["value"], info["unit"]),
            "value_year": None if pd.isna(r["value_year"]) else int(r["value_year"]),
            "status": status_text(r, ref, lang), "certainty": certainty_text(r, lang),
            "pace": t("pace_" + r["pace"], lang), "source": source_text(r["source"], lang, ref),
        })
    return _export_frame(rows, "progress", lang, sample)


def feasibility_export(feas: pd.DataFrame, ref: Reference, lang: str, sample: bool) -> pd.DataFrame:
    """The feasibility table for a spreadsheet, in the user's language (see :func:`feasibility_view`)."""
    info_of = ref.next.to_dict("index")
    rows = []
    for r in _records(feas):
        info = info_of[r["indicator"]]
        u = info["unit"]
        rows.append({
            "unit_code": r["unit"], "unit": ref.label(r["unit"], lang), "indicator_id": r["indicator"],
            "indicator": info[f"name_{lang}"], "year": int(r["year"]), "target_kind": t("target_kind_" + r["target_kind"], lang),
            "target": fmt_target(r["target_op"], r["target"], r.get("target_high"), u, lang),
            "last_value": _rounded(r["last_value"], u),
            "last_year": None if pd.isna(r["last_year"]) else int(r["last_year"]),
            "projected": _rounded(r["projected"], u), "p_met": None if pd.isna(r["p_met"]) else round(float(r["p_met"]), 2),
            "k": None if pd.isna(r["k"]) or r["verdict"] == "already_met" else round(float(r["k"]), 1), "verdict": t("verdict_" + r["verdict"], lang),
            "caveats": "; ".join(caveat_texts(r.get("caveats"), ref, lang)),
            "below_national": t("below_national_mark", lang) if r["below_national"] else "",
        })
    return _export_frame(rows, "feasibility", lang, sample)


def _export_frame(rows: list[dict], kind: str, lang: str, sample: bool) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for c in ("value_year", "last_year"):
        if c in df:
            df[c] = df[c].astype("Int64")
    if sample:   # every row says it is sample data, wherever it is pasted
        df.insert(0, "data", t("export_sample", lang))
    return df.rename(columns={c: t(f"export_{c}", lang) for c in df.columns})
