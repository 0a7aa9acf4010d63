"""Reference data of a review, loaded and validated once: the review itself, its catalogue, its unit
tree, its known breaks. One :class:`Reference` is built per review and passed to every core function;
no core module reads reference data from a global.

    ref = load_reference()                      # the default review (tong-ket-2011-2020)
    ref = load_reference("my-review.yaml")      # a review of the user's own
    ref.judged                                  # the judged strategy's indicators, by id
    ref.text("section_table", "vi")             # a text with the review's years filled in
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from .. import yamlio
from ..i18n import t
from .catalogue import Catalogue, CatalogueError, load_catalogue_files
from .review import Review, ReviewError, bundled_names, default_name, load_review
from .units import UnitError, Units, UnitsError, fold, load_units_file

__all__ = ["Reference", "IndicatorError", "load_reference", "SECTIONS", "LEADERSHIP", "read_breaks", "read_data_file", "Review", "ReviewError", "Catalogue", "CatalogueError", "Units",
           "UnitsError", "UnitError", "fold", "bundled_names", "default_name"]

BREAK_COLUMNS = ["unit", "indicator", "year", "reason"]
# the sections of a unit's own assessment, in the order of the review report's outline: how the work was
# led and organised (documents issued, the committee for the advancement of women, budget, communication,
# training, inspection), then the overall assessment, lessons and recommendations
LEADERSHIP = ("lead_documents", "lead_committee", "lead_budget", "lead_communication", "lead_training",
              "lead_inspection")
SECTIONS = (*LEADERSHIP, "results", "shortcomings", "causes_objective", "causes_subjective", "lessons",
            "recommendations")


class IndicatorError(ValueError):
    """An indicator id that the review's catalogue does not have; the message lists the valid ones."""


def read_data_file(path: Path) -> dict:
    """A review's YAML data file (e.g. its sample model) as a mapping; a YAML error names the file."""
    try:
        doc = yamlio.load(Path(path).read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise ReviewError(f"{Path(path).name}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise ReviewError(f"{Path(path).name}: expected a mapping of keys, found {type(doc).__name__}")
    return doc


def read_breaks(path: Path | None) -> pd.DataFrame:
    """Known structural breaks (unit, indicator, year, reason) from a review's breaks file."""
    if path is None:
        return pd.DataFrame(columns=BREAK_COLUMNS).astype({"year": int})
    doc = yamlio.load(Path(path).read_text(encoding="utf-8")) or {}
    items = doc.get("breaks") or []
    df = pd.DataFrame(items, columns=BREAK_COLUMNS)
    return df.astype({"unit": str, "indicator": str, "year": int})


@dataclass(frozen=True)
class Reference:
    """Everything a review's computations take as given: review, catalogue, units, breaks."""

    review: Review
    catalogue: Catalogue
    units: Units
    breaks: pd.DataFrame

    # ------------------------------------------------------------------ derived views
    @cached_property
    def judged(self) -> pd.DataFrame:
        """The judged strategy's indicators, indexed by id, in the catalogue's order."""
        return self.indicators_of(self.review.strategy).set_index("id")

    @cached_property
    def next(self) -> pd.DataFrame:
        """The indicators whose targets are checked for feasibility, indexed by id, with ``history``: the
        judged strategy's indicator whose series is its trend. That is its ``predecessor`` when the review
        checks the next strategy's targets; the indicator itself when it checks the judged strategy's own
        later targets (a mid-term review); None for an indicator without a history."""
        nxt = self.indicators_of(self.review.feasibility_strategy).set_index("id")
        nxt["history"] = pd.Series(nxt.index, index=nxt.index, dtype=object) if self.review.checks_own_targets \
            else nxt.predecessor
        return nxt

    def answers_for(self, code: str, strategy: str | None = None) -> list[str]:
        """The indicators of ``strategy`` (default: the judged one) a department answers for, in the
        catalogue's order: the unit tree assigns the judged strategy's indicators; another strategy's
        indicators go to the department its catalogue names (``sector``)."""
        strategy = strategy or self.review.strategy
        cat = self.indicators_of(strategy)
        if strategy == self.review.strategy:
            return list(cat.id[cat.id.isin(self.units.answers_for(code))])
        return list(cat.id[cat.sector == code])

    @cached_property
    def next_answers(self) -> pd.DataFrame:
        """(unit, indicator): each department with the next strategy's indicators it answers for."""
        pairs = [(c, i) for c in self.units.sectors for i in self.answers_for(c, self.review.feasibility_strategy)]
        return pd.DataFrame(pairs, columns=["unit", "indicator"])

    @cached_property
    def judged_targets(self) -> pd.DataFrame:
        return self.catalogue.targets_of(self.review.strategy)

    @cached_property
    def next_targets(self) -> pd.DataFrame:
        return self.catalogue.targets_of(self.review.feasibility_strategy)

    @cached_property
    def info(self) -> dict[str, dict]:
        """Plain-dict view of the judged strategy's indicators (id -> fields), for per-cell code."""
        return {i: {"id": i, **r} for i, r in self.judged.to_dict("index").items()}

    def indicators_of(self, strategy: str) -> pd.DataFrame:
        """The catalogue rows of one strategy (``catalogue.for_strategy``, filtered once per strategy:
        a plan asks for them once per unit). Read-only."""
        if strategy not in self._by_strategy:
            self._by_strategy[strategy] = self.catalogue.for_strategy(strategy)
        return self._by_strategy[strategy]

    @cached_property
    def _by_strategy(self) -> dict[str, pd.DataFrame]:
        return {}

    @property
    def highlights(self) -> list[str]:
        """The indicators the reports chart first (the review's choice, else the first indicator)."""
        return list(self.review.highlights) or [self.judged.index[0]]

    @property
    def province(self) -> str:
        return self.units.province

    @cached_property
    def digest(self) -> str:
        """A hash of the review's files and of the catalogue in use (which may be an edited copy)."""
        h = hashlib.sha256(self.review.digest.encode())
        for df in (self.catalogue.indicators, self.catalogue.targets, self.breaks):
            h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
        return h.hexdigest()

    @cached_property
    def national_sources(self) -> dict[int, dict[str, str]]:
        """Row number of the national file (as a source cell names it) -> its source in each language:
        the official source, with the secondary one beside it where the figure was read there."""
        path = self.review.national_file
        if path is None:
            return {}
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        out = {}
        for i, r in enumerate(raw.to_dict("records"), start=2):
            out[i] = {}
            for lang in ("vi", "en"):
                official = r.get(f"source_{lang}") or r.get("source", "")
                second = r.get("secondary", "")
                out[i][lang] = t("source_with_secondary", lang, official=official, secondary=second) if second \
                    else official
        return out

    def with_catalogue(self, catalogue: Catalogue | None) -> Reference:
        """The same review with another catalogue (an analyst's edited copy); itself when None."""
        return self if catalogue is None or catalogue is self.catalogue else replace(self, catalogue=catalogue)

    # ------------------------------------------------------------------ texts
    @cached_property
    def placeholders(self) -> dict[str, dict[str, object]]:
        """The review's facts that texts name, per language: {strategy}, {final}, {areas} ..."""
        r = self.review
        out = {}
        for lang in ("vi", "en"):
            out[lang] = {
                "strategy": r.strategy, "next_strategy": r.feasibility_strategy, "baseline": r.baseline_year,
                "final": r.final, "previous": r.previous if r.previous is not None else r.baseline_year,
                "first_year": r.first_year, "last_year": r.last_year, "horizon": r.horizon,
                "pooled": f"{r.final - r.pool_years + 1}-{r.final}",
                "areas": self.units.area_label(lang), "areas_short": self.units.area_label(lang, short=True),
                "fit_first": r.fit_first, "fit_last": r.fit_last, "plan": r.plan.get(lang, ""),
                **r.texts[lang],
            }
        return out

    def text(self, key: str, lang: str = "vi", /, **kw) -> str:
        """A user-facing text with the review's facts filled in (the review's own wording of a key first,
        then i18n)."""
        facts = self.placeholders[lang]
        if key in self.review.texts[lang]:
            return str(self.review.texts[lang][key]).format(**{**facts, **kw})
        return t(key, lang, **{**facts, **kw})

    def label(self, code: str, lang: str = "vi") -> str:
        return self.units.label(code, lang)

    def indicator(self, text, strategy: str | None = None, lang: str = "vi") -> str:
        """The id of an indicator of ``strategy`` (default: the judged one) as a user wrote it ("4.1",
        " 4.1 ", 4.1); :class:`IndicatorError` naming the valid ids otherwise."""
        strategy = strategy or self.review.strategy
        ids = list(self.indicators_of(strategy).id)
        key = str(text).strip()
        if key not in ids:
            raise IndicatorError(t("indicator_unknown", lang, text=repr(text), strategy=strategy, ids=", ".join(ids)))
        return key


def known_ids(catalogue: Catalogue, strategy: str) -> set[str]:
    return set(catalogue.for_strategy(strategy).id)


@lru_cache(maxsize=8)
def _load(path: str) -> Reference:
    review = load_review(path)
    catalogue = load_catalogue_files(list(review.catalogue_files))
    units = load_units_file(review.units_file)
    for s in (review.strategy, review.feasibility_strategy):
        if s not in catalogue.strategies:
            raise ReviewError(f"{review.path.name}, key 'catalogue': no catalogue file holds strategy {s!r} "
                              f"(the files hold {catalogue.strategies})")
    if review.smoothed_indicator and review.smoothed_indicator not in known_ids(catalogue, review.strategy):
        raise ReviewError(f"{review.path.name}, key 'league.smoothed': {review.smoothed_indicator!r} is not a "
                          f"{review.strategy} indicator of the catalogue")
    bad = sorted(set(review.highlights) - known_ids(catalogue, review.strategy))
    if bad:
        raise ReviewError(f"{review.path.name}, key 'highlights': {bad} are not {review.strategy} indicators of "
                          "the catalogue")
    if units.level(review.compiler) != "sector":
        raise ReviewError(f"{review.path.name}, key 'compiler': {review.compiler!r} is not a department of "
                          f"{review.units_file.name}")
    if review.context_review:
        context = load_reference(review.context_review)
        old = set(context.units.areas)
        for code in units.areas:
            bad = sorted(set(units.former_districts(code)) - old)
            if bad:
                raise UnitsError(f"{review.units_file.name}, unit {code!r}: former_districts {bad} are not "
                                 f"{context.units.area_label('en')} of the context review {context.review.name!r} "
                                 f"({context.review.units_file.name})")
    known = set(catalogue.for_strategy(review.strategy).id)
    for code in units.sectors:
        bad = sorted(set(units.answers_for(code)) - known)
        if bad:
            raise UnitsError(f"{review.units_file.name}, sector {code!r}: answers for {bad}, which are not "
                             f"{review.strategy} indicators of the catalogue")
    return Reference(review, catalogue, units, read_breaks(review.breaks_file))


def load_reference(review: str | Path | None = None) -> Reference:
    """The reference data of a review (a bundled name or a YAML path; default: the default review).

    Loaded once per file and shared: treat it as read-only (``with_catalogue`` gives a copy with an
    edited catalogue).
    """
    from .review import resolve_path

    return _load(str(resolve_path(review)))
