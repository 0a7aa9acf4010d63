"""gender_metrics: review a gender-equality strategy per district, department and province, and check
whether the next strategy's targets are feasible. A review is data (``reviews/<name>.yaml``); the
default is the 2011-2020 review of Hà Tĩnh (plan 121/KH-UBND).

    import gender_metrics as gm
    obs = gm.load_observations()          # tidy: unit, strategy, indicator, year, numerator, ...
    prog = gm.progress(obs)               # one row per unit × indicator × milestone
    gm.resolve_unit("H. Hương Sơn")       # "439"

Names are imported on first use, so ``import gender_metrics`` stays quick (a report kernel loads only
what its cells call).
"""

from __future__ import annotations

import importlib
import sys
import types

_EXPORTS = {
    # reference data
    "load_reference": "api", "load_catalogue": "api", "load_units": "api", "resolve_unit": "api",
    "unit_label": "api", "label": "api", "Reference": "reference", "Catalogue": "reference",
    "CatalogueError": "reference", "ReviewError": "reference", "UnitError": "reference",
    "IndicatorError": "reference",
    # data
    "load_observations": "api", "load_proposed_targets": "api",
    "load_table": "api", "load_manifest": "api", "StoreError": "store",
    # computations
    "progress": "api", "province_values": "api", "feasibility": "api", "league_table": "api",
    "narrative": "api", "quality_flags": "api", "DataError": "core.validate",
    # presentation
    "UnitReport": "present.report", "charts": None, "i18n": None,
    # ingestion ("ingest" is also the name of its module: see _Package)
    "IngestError": "ingest",
}

_SUBMODULES = ("api", "core", "forms", "i18n", "outputs", "present", "reference", "run", "store")
__all__ = sorted([*_EXPORTS, "ingest"])


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gender_metrics' has no attribute {name!r}")
    where = _EXPORTS[name]
    if where is None:  # a submodule
        mod = importlib.import_module(f".present.{name}" if name == "charts" else f".{name}", __name__)
        value = mod
    else:
        value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__


class _Package(types.ModuleType):
    """``gm.ingest`` is the function, imported on first use (the Excel readers stay out of a report
    kernel). The import system binds a loaded submodule to its package's attribute of the same name;
    here that binding is ignored, so ``gm.ingest`` stays the function after ``import
    gender_metrics.ingest`` (the module itself is ``sys.modules["gender_metrics.ingest"]``)."""

    @property
    def ingest(self):
        return importlib.import_module(".ingest", __name__).ingest

    @ingest.setter
    def ingest(self, value) -> None:
        pass


sys.modules[__name__].__class__ = _Package
