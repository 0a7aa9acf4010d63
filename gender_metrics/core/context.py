"""An area's history before a reorganisation of the unit tree: the series of the districts it was formed
from, read from an earlier review's data, shown beside the area's own figures and never as them.

Since 1 July 2025 Hà Tĩnh has no districts: each commune was formed from communes of one or more former
districts, and some old communes were split between new ones. A district's 2011-2020 series therefore
cannot be re-aggregated onto a new commune (neither summed from the district, nor shared out to it); the
honest context is the former district's own series, labelled as the district's. This module selects
those series; it never sums, averages or apportions them.
"""

from __future__ import annotations

import pandas as pd

from ..reference import Reference
from .progress import prepare

CONTEXT_COLUMNS = ["indicator", "predecessor", "district", "year", "numerator", "denominator", "value", "source"]


def former_series(context_observations: pd.DataFrame, ref: Reference, context: Reference, unit: str) -> pd.DataFrame:
    """The context review's series of the districts ``unit`` was formed from, for every indicator of
    ``ref``'s judged strategy whose catalogue ``predecessor`` is an indicator of ``context``'s.

    One row per indicator × former district × year (headline values, breakdown ""), with the value
    derived by the context review's catalogue (factor × numerator / denominator): ``district`` is the
    former district's code in the context review's unit tree (``former_districts`` of ``unit`` in
    ``ref``'s tree). The rows are each district's own: nothing is summed, averaged or apportioned onto
    ``unit``, and ``unit`` itself never appears. Empty when the unit has no former districts or the
    context has no series for them.
    """
    districts = list(ref.units.former_districts(unit))
    links = ref.judged.predecessor.dropna()
    links = links[links.isin(context.judged.index)]
    if not districts or links.empty or context_observations.empty:
        return pd.DataFrame(columns=CONTEXT_COLUMNS)
    obs = prepare(context_observations, context)
    obs = obs[obs.unit.isin(districts) & obs.indicator.isin(set(links)) & (obs.breakdown == "") & obs.value.notna()]
    pairs = links.rename_axis("indicator").rename("predecessor").reset_index()
    out = pairs.merge(obs.rename(columns={"indicator": "predecessor", "unit": "district"}), on="predecessor")
    order = {c: i for i, c in enumerate(districts)}
    ind_order = {i: k for k, i in enumerate(ref.judged.index)}
    out = out.assign(_i=out.indicator.map(ind_order), _d=out.district.map(order))
    out = out.sort_values(["_i", "_d", "year"], kind="stable")
    return out[CONTEXT_COLUMNS].reset_index(drop=True)
