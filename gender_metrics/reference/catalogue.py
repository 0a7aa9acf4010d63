"""Indicator catalogues, loaded from the YAML files a review names (``reviews/catalogue/``).

The catalogue is data: adding an indicator or correcting a target is an edit to
``indicators_*.yaml``, not to code. Loading validates every entry and names the file and the entry
when something is wrong. A catalogue file holds one strategy, named by its period ("2011-2020");
each target year must lie in that period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import yamlio

DIRECTIONS = {"increase", "decrease", "ceiling", "band"}
OPS = {">=", ">", "<=", "<", "between"}
KINDS = {"share", "ratio", "rate", "value"}
INTERVALS = {"wilson", "poisson", "srb", "none"}
AGGREGATIONS = {"ratio_of_sums", "not_aggregatable"}
VERIFIED = {"yes", "partly", "no"}
# Which operators fit which direction: a "ceiling" target cannot be ">=", and so on.
OPS_FOR_DIRECTION = {
    "increase": {">=", ">"},
    "decrease": {"<=", "<"},
    "ceiling": {"<=", "<"},
    "band": {"between"},
}

INDICATOR_COLUMNS = [
    "strategy", "id", "objective", "name_vi", "name_en", "unit", "unit_vi", "direction", "measure",
    "aggregation", "district_level", "sector", "predecessor", "verified", "source", "kind", "interval",
    "factor", "numerator_vi", "numerator_en", "denominator_vi", "denominator_en", "election_years", "floor",
    # display metadata: a short name for tables and sentences, how a sentence says the value, a note on the target,
    # the names of the breakdowns (bodies) a figure may be given for
    "short_vi", "short_en", "say", "target_note_vi", "target_note_en", "breakdowns",
]
SAY_KEYS = {"subject", "verb", "unit", "tail", "target"}
TARGET_COLUMNS = ["strategy", "id", "year", "op", "value", "value_high"]
OBJECTIVE_COLUMNS = ["strategy", "objective", "name_vi", "name_en"]
REQUIRED = ["id", "objective", "name_vi", "name_en", "unit_en", "unit_vi", "direction", "kind",
            "interval", "measure", "aggregation", "district_level", "sector", "verified", "source",
            "targets"]


class CatalogueError(ValueError):
    """A catalogue file has an entry that cannot be used; the message names file and entry."""


@dataclass(frozen=True)
class Catalogue:
    """Both strategies' indicators (one row per strategy × id) and targets (strategy × id × year)."""

    indicators: pd.DataFrame
    targets: pd.DataFrame
    # the strategies' objectives by number, with their names (optional ``objectives:`` of a catalogue file)
    objectives: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OBJECTIVE_COLUMNS))

    def indicator(self, strategy: str, id: str) -> pd.Series:
        """The catalogue row of one indicator; KeyError naming it when absent."""
        rows = self.indicators[(self.indicators.strategy == strategy) & (self.indicators.id == id)]
        if rows.empty:
            raise KeyError(f"no indicator {id!r} in strategy {strategy}")
        return rows.iloc[0]

    def for_strategy(self, strategy: str) -> pd.DataFrame:
        return self.indicators[self.indicators.strategy == strategy].reset_index(drop=True)

    def targets_of(self, strategy: str) -> pd.DataFrame:
        """The targets of one strategy (id, year, op, value, value_high)."""
        return self.targets[self.targets.strategy == strategy].reset_index(drop=True)

    @property
    def strategies(self) -> list[str]:
        return list(dict.fromkeys(self.indicators.strategy))


def derive_values(df: pd.DataFrame, factor: pd.Series | np.ndarray) -> pd.Series:
    """The value rule of every observation: factor × numerator / denominator wherever both parts are known
    (NaN when the denominator is 0: 0 of 0 is no rate), else the value as reported."""
    factor = np.asarray(factor, dtype=float)
    num, den = df["numerator"].astype(float), df["denominator"].astype(float)
    parts = num.notna() & den.notna() & np.isfinite(factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = factor * num / den.where(den > 0)
    return df["value"].astype(float).where(~parts, derived)


def _fail(path: Path | str, entry: str, msg: str):
    raise CatalogueError(f"{Path(path).name}, entry {entry}: {msg}")


def _check_entry(path, item: dict, strategy: str, seen: set[str]) -> None:
    entry = repr(item.get("id", "?"))
    for key in REQUIRED:
        if key not in item or item[key] is None and key not in ("sector",):
            _fail(path, entry, f"missing field {key!r}")
    iid = str(item["id"])
    if iid in seen:
        _fail(path, entry, "duplicate id (each id appears once per strategy)")
    seen.add(iid)
    for key, allowed in (("direction", DIRECTIONS), ("kind", KINDS), ("interval", INTERVALS),
                         ("aggregation", AGGREGATIONS), ("verified", VERIFIED)):
        if str(item[key]) not in allowed:
            _fail(path, entry, f"unknown {key} {item[key]!r}; expected one of {sorted(allowed)}")
    if item["kind"] != "value":
        for key in ("factor", "numerator_vi", "numerator_en", "denominator_vi", "denominator_en"):
            if not item.get(key):
                _fail(path, entry, f"a {item['kind']} needs {key!r}")
    say = item.get("say") or {}
    if not isinstance(say, dict) or set(say) - {"vi", "en"} or any(
            not isinstance(v, dict) or set(v) - SAY_KEYS for v in say.values()):
        _fail(path, entry, f"'say' must map vi/en to some of {sorted(SAY_KEYS)}, found {say!r}")
    for lang, v in say.items():
        if "target" in v and "{target}" not in str(v["target"]):
            _fail(path, entry, f"say.{lang}.target must contain {{target}}, found {v['target']!r}")
    bds = item.get("breakdowns") or {}
    if not isinstance(bds, dict) or any(not isinstance(v, dict) or not v.get("short_vi") or not v.get("short_en")
                                        for v in bds.values()):
        _fail(path, entry, "'breakdowns' must map each breakdown to its short_vi and short_en")
    for t in item["targets"]:
        year = t.get("year")
        where = f"target {year}"
        if not t.get("op"):
            _fail(path, entry, f"{where} has no operator (op); expected one of {sorted(OPS)}")
        if t["op"] not in OPS:
            _fail(path, entry, f"{where}: unknown operator {t['op']!r}; expected one of {sorted(OPS)}")
        if t["op"] not in OPS_FOR_DIRECTION[item["direction"]]:
            _fail(path, entry, f"{where}: operator {t['op']!r} does not fit direction {item['direction']!r}")
        if not isinstance(t.get("value"), int | float):
            _fail(path, entry, f"{where}: value must be a number, found {t.get('value')!r}")
        if t["op"] == "between" and not isinstance(t.get("value_high"), int | float):
            _fail(path, entry, f"{where}: a 'between' target needs value_high")
        lo, hi = (int(x) for x in strategy.split("-"))
        if not isinstance(year, int) or not lo <= year <= hi:
            _fail(path, entry, f"target year {year!r} outside the strategy {strategy}")


def read_catalogue_file(path: Path | str) -> tuple[list[dict], list[dict]]:
    """Read and validate one ``indicators_*.yaml`` file into indicator and target records."""
    path = Path(path)
    try:
        doc = yamlio.load(path.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML ({exc})") from exc
    strategy = str(doc.get("strategy", "")) if isinstance(doc, dict) else ""
    period = strategy.split("-")
    if len(period) != 2 or not all(x.isdigit() and len(x) == 4 for x in period):
        raise CatalogueError(f"{path.name}: expected 'strategy' to name a period such as \"2011-2020\", "
                             f"found {strategy or None!r}")
    seen: set[str] = set()
    inds, tgts = [], []
    for item in doc.get("indicators") or []:
        _check_entry(path, item, strategy, seen)
        row = {c: item.get(c) for c in INDICATOR_COLUMNS}
        row.update(short_vi=item.get("short_vi") or item["name_vi"], short_en=item.get("short_en") or item["name_en"],
                   say={lang: dict(v) for lang, v in (item.get("say") or {}).items()},
                   breakdowns={str(k): dict(v) for k, v in (item.get("breakdowns") or {}).items()})
        row.update(strategy=strategy, id=str(item["id"]), unit=item["unit_en"],
                   predecessor=(str(item["predecessor"]) if item.get("predecessor") else None),
                   election_years=tuple(item.get("election_years") or ()))
        inds.append(row)
        for t in item["targets"]:
            tgts.append({"strategy": strategy, "id": row["id"], "year": int(t["year"]), "op": t["op"],
                         "value": float(t["value"]),
                         "value_high": float(t["value_high"]) if t.get("value_high") is not None else float("nan")})
    return inds, tgts


def read_objectives(path: Path | str) -> list[dict]:
    """The optional ``objectives:`` list of a catalogue file (objective number, name_vi, name_en): the
    headings under which reports and annexes group the indicators. Without it, objectives are numbered."""
    path = Path(path)
    doc = yamlio.load(path.read_text(encoding="utf-8")) or {}
    items = doc.get("objectives") or []
    if not isinstance(items, list):
        raise CatalogueError(f"{path.name}, key 'objectives': expected a list of objectives, found {items!r}")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("objective"), int) \
                or not all(isinstance(item.get(k), str) and item[k] for k in ("name_vi", "name_en")):
            raise CatalogueError(f"{path.name}, key 'objectives': each objective needs a number (objective) and "
                                 f"name_vi, name_en; found {item!r}")
        out.append({"strategy": str(doc.get("strategy")), "objective": item["objective"], "name_vi": item["name_vi"],
                    "name_en": item["name_en"]})
    return out


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> Catalogue:
    inds, tgts, objs = [], [], []
    for p in paths:
        i, t = read_catalogue_file(p)
        inds += i
        tgts += t
        objs += read_objectives(p)
    indicators = pd.DataFrame(inds, columns=INDICATOR_COLUMNS)
    indicators["factor"] = indicators["factor"].astype(float)
    indicators["floor"] = pd.to_numeric(indicators["floor"], errors="raise").astype(float)
    dup = indicators[indicators.duplicated(["strategy", "id"])]
    if not dup.empty:
        r = dup.iloc[0]
        raise CatalogueError(f"strategy {r.strategy}, entry {r.id!r}: defined in two catalogue files")
    # a predecessor links an indicator to an earlier strategy's series: it must exist there, when the
    # earlier strategy is part of this catalogue
    ids_of = {s: set(indicators.id[indicators.strategy == s]) for s in set(indicators.strategy)}
    for r in indicators[indicators.predecessor.notna()].itertuples():
        earlier = [s for s in ids_of if s < r.strategy]
        if earlier and not any(r.predecessor in ids_of[s] for s in earlier):
            raise CatalogueError(f"strategy {r.strategy}, entry {r.id!r}: predecessor {r.predecessor!r} is not an "
                                 "indicator of an earlier strategy in the catalogue")
    return Catalogue(indicators, pd.DataFrame(tgts, columns=TARGET_COLUMNS), pd.DataFrame(objs, columns=OBJECTIVE_COLUMNS))


def load_catalogue_files(paths: list[Path | str]) -> Catalogue:
    """Load and validate catalogue files (one strategy each) into one :class:`Catalogue`.

    ``indicators`` has one row per strategy × id and ``targets`` one row per strategy × id ×
    target year (op ∈ >=, >, <=, <, between). A fresh copy each call: callers may edit it.
    """
    cat = _load(tuple(str(Path(p).resolve()) for p in paths))
    return Catalogue(cat.indicators.copy(), cat.targets.copy(), cat.objectives.copy())
