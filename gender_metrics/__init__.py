"""gender_metrics: review of the National Strategy on Gender Equality 2011-2020 and feasibility of
the 2021-2030 targets, per district, department and province (Hà Tĩnh, plan 121/KH-UBND).

    import gender_metrics as gm
    obs = gm.load_observations()          # tidy: unit, strategy, indicator, year, numerator, ...
    prog = gm.progress(obs)               # one row per unit × indicator × milestone
    gm.resolve_unit("H. Hương Sơn")       # "439"
"""

from . import charts
from .catalogue import Catalogue, CatalogueError, load_catalogue
from .feasibility import feasibility
from .ingest import IngestError, ingest, load_observations, load_proposed_targets, load_table
from .narrative import narrative
from .progress import league_table, progress, province_values
from .report import UnitReport
from .units import UnitError, load_units, resolve_unit, unit_label

__all__ = [
    "Catalogue", "CatalogueError", "IngestError", "feasibility", "league_table", "narrative", "UnitError", "UnitReport", "charts", "ingest",
    "load_catalogue", "load_observations", "load_proposed_targets", "load_table", "load_units", "progress",
    "province_values", "resolve_unit", "unit_label",
]
