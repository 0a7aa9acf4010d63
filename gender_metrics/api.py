"""The public functions of ``import gender_metrics as gm``, with their defaults.

The core takes a :class:`~gender_metrics.reference.Reference` as an argument; these wrappers build
the default one (the default review) when none is given, and apply an edited ``catalogue`` to every
part of a computation (values, intervals, verdicts).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import store
from .reference import Catalogue, Reference, load_reference


def _ref(reference: Reference | str | Path | None = None, catalogue: Catalogue | None = None) -> Reference:
    ref = reference if isinstance(reference, Reference) else load_reference(reference)
    return ref.with_catalogue(catalogue)


# --------------------------------------------------------------------------- reference data
def load_catalogue(review: str | Path | None = None) -> Catalogue:
    """The catalogue of a review (default: the default review): ``.indicators`` and ``.targets``."""
    cat = load_reference(review).catalogue
    return Catalogue(cat.indicators.copy(), cat.targets.copy(), cat.objectives.copy())


def load_units(review: str | Path | None = None) -> pd.DataFrame:
    """The review's units: code, parent, level, type_vi, name_vi, name_ascii, slug, ... (codes are text)."""
    return load_reference(review).units.table.copy()


def resolve_unit(text: str, review: str | Path | None = None) -> str:
    """The code of the unit ``text`` names; ``gm.UnitError`` (a ValueError) naming the candidates."""
    return load_reference(review).units.resolve(text)


def unit_label(code: str, lang: str = "vi", review: str | Path | None = None) -> str:
    """"Huyện Hương Sơn", "Sở Y tế", "Tỉnh Hà Tĩnh" (or the English form)."""
    return load_reference(review).label(code, lang)


def label(df: pd.DataFrame, lang: str = "vi", review: str | Path | None = None) -> pd.DataFrame:
    """``df`` with a ``name`` column beside its ``unit`` column (unit names for tables)."""
    ref = load_reference(review)
    out = df.copy()
    out.insert(list(out.columns).index("unit") + 1, "name", out.unit.map(lambda c: ref.label(str(c), lang)))
    return out


# --------------------------------------------------------------------------- data
def load_table(name: str, processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """One processed table by name (observations, narratives, proposed_targets, submissions, ingest_report,
    blanks)."""
    return store.load_table(name, processed_dir, lang)


def load_manifest(processed_dir: Path | str | None = None, lang: str = "vi") -> dict:
    return store.load_manifest(processed_dir, lang)


def load_observations(processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """The tidy observations: unit, strategy, indicator, year, numerator, denominator, value, source,
    breakdown (empty = the headline value)."""
    return store.load_table("observations", processed_dir, lang)


def load_proposed_targets(processed_dir: Path | str | None = None, lang: str = "vi") -> pd.DataFrame:
    """The targets proposed in the forms: unit, indicator, year, value (and source)."""
    return store.load_table("proposed_targets", processed_dir, lang)


# --------------------------------------------------------------------------- computations
def progress(observations: pd.DataFrame, catalogue: Catalogue | None = None, *,
             reference: Reference | str | Path | None = None) -> pd.DataFrame:
    """One row per unit × indicator × milestone: value, status, interval, progress ratio, pace
    (see :func:`gender_metrics.core.progress.progress`). ``catalogue``: an edited catalogue, used for
    the values, intervals and targets alike; ``reference``: another review."""
    from .core.progress import progress as _progress

    return _progress(observations, _ref(reference, catalogue))


def province_values(observations: pd.DataFrame, catalogue: Catalogue | None = None, *,
                    reference: Reference | str | Path | None = None) -> pd.DataFrame:
    from .core.progress import province_values as _pv

    return _pv(observations, _ref(reference, catalogue))


def feasibility(observations: pd.DataFrame, targets: pd.DataFrame | None = None, catalogue: Catalogue | None = None,
                *, reference: Reference | str | Path | None = None, **kw) -> pd.DataFrame:
    """Can each unit reach the next strategy's targets on its trend (see
    :func:`gender_metrics.core.feasibility.feasibility`)."""
    from .core.feasibility import feasibility as _feasibility

    return _feasibility(observations, _ref(reference, catalogue), targets, **kw)


def league_table(prog: pd.DataFrame, observations: pd.DataFrame, *,
                 reference: Reference | str | Path | None = None) -> pd.DataFrame:
    from .core.league import league_table as _league

    return _league(prog, observations, _ref(reference))


def quality_flags(observations: pd.DataFrame, *, reference: Reference | str | Path | None = None) -> pd.DataFrame:
    """Values to check again in the forms (sudden real changes, outliers), most important first."""
    from .core.quality import quality_flags as _q

    return _q(observations, _ref(reference))


def narrative(unit: str, lang: str = "vi", processed_dir=None, review: str | Path | None = None):
    """``gm.narrative("Hương Sơn")``: the unit's assessment in sentences, from the processed data."""
    from .core.narrative import narrative_of
    from .present.data import dataset

    ds = dataset(processed_dir, review, lang)
    return narrative_of(ds.ref.units.resolve(unit), ds.progress, ds.narratives, ds.ref, lang)
