"""The former districts' series beside a commune's report, as display rows and words (see
:mod:`gender_metrics.core.context`): labelled as the districts', never as the commune's own."""

from __future__ import annotations

import pandas as pd

from ..i18n import fmt_date, fmt_value, t
from ..reference import Reference

DASH = "–"


def context_years(context: Reference) -> list[int]:
    """The years shown: the context review's baseline and milestones (2010, 2015, 2020 for 2011-2020)."""
    r = context.review
    return sorted({r.baseline_year, *r.milestones})


def context_view(series: pd.DataFrame, ref: Reference, context: Reference, lang: str) -> pd.DataFrame:
    """One row per indicator × former district: the new indicator, the old one, the district, a value per year."""
    years = context_years(context)
    rows, last = [], None
    for (ind, pred, district), g in series.groupby(["indicator", "predecessor", "district"], sort=False):
        info = context.info[pred]
        by_year = dict(zip(g.year.astype(int), g.value, strict=True))
        first = ind != last   # the indicator's names on its first row only
        last = ind
        row = {"id": ind if first else "", "name": ref.info[ind][f"name_{lang}"] if first else "",
               "old": f"{pred} {info[f'name_{lang}']}" if first else "",
               "district": t("context_district", lang, name=context.label(district, lang)),
               "unit": info["unit"] if lang == "en" else info["unit_vi"]}
        row.update({f"y{y}": fmt_value(by_year[y], info["unit"], lang) if y in by_year else DASH for y in years})
        rows.append(row)
    return pd.DataFrame(rows)


def context_head(context: Reference, lang: str) -> list[str]:
    return [t("col_id", lang), t("col_indicator", lang), t("context_col_old", lang, strategy=context.review.strategy),
            t("context_col_district", lang), t("col_unit", lang),
            *[t("col_year_n", lang, year=y) for y in context_years(context)]]


def context_reason(ref: Reference, context: Reference, unit: str, lang: str) -> str:
    """Why the former districts' series are shown as they are: formed when and from what, never re-aggregated."""
    units = ref.units
    row = units.row(unit)
    districts = ", ".join(context.label(d, lang) for d in units.former_districts(unit))
    formed = fmt_date(units.formed, lang) if units.formed else DASH
    return t("context_reason", lang, name=ref.label(unit, lang), formed=formed, formed_from=row.formed_from or DASH,
             districts=districts, period=context.review.strategy)
