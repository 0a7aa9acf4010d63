"""One processed data set of a review, loaded once, with the tables every report of it shows.

``dataset(processed_dir)`` returns the same :class:`Dataset` for the same data version, review and
code, so reports made one after another in one kernel (the batch runner) share the whole-table
computations: progress, feasibility, projection bands, the league table, the quality flags. They are
also kept on disk beside the data (``<version>/derived/<key>/``): the batch runner computes them once
before any kernel needs them, and every kernel then only reads them.
"""

from __future__ import annotations

import hashlib
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from .. import store
from ..reference import Reference, load_reference

DERIVED = ("progress", "feasibility", "bands", "league", "quality", "province", "targets_recommended",
           "targets_levels", "targets_proposals", "targets_contradictions")
TARGET_TABLES = ("recommended", "levels", "proposals", "contradictions")   # core.targets.ProvinceTargets


def code_fingerprint() -> str:
    """A hash of the package's code and texts (not its review data, which each report hashes for
    the rows it shows): the derived tables and every report depend on it."""
    return _code_fingerprint(str(Path(__file__).resolve().parent.parent))


@lru_cache(maxsize=2)
def _code_fingerprint(root: str) -> str:
    root_p = Path(root)
    h = hashlib.sha256()
    for f in sorted(root_p.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".j2", ".css", ".json", ".yaml") and "__pycache__" not in f.parts \
                and "reviews" not in f.relative_to(root_p).parts:
            h.update(f.relative_to(root_p).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def review_of(manifest: dict, review: str | Path | None) -> Reference:
    """The reference data of the review a processed folder holds (or of ``review``, which must match)."""
    held = manifest.get("review") or {}
    if review is None:
        path = held.get("file")
        ref = load_reference(path if path and Path(path).is_file() else held.get("name"))
    else:
        ref = load_reference(review)
    return ref


def text_as_objects(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its text columns held as Python strings (object dtype) instead of Arrow: a report
    selects and reads a few dozen rows at a time, many times over, and each such step costs several
    times more on Arrow-backed text (the pieces of a district report took about a sixth less time on
    04/12/2026). Values are unchanged."""
    text = [c for c, dtype in df.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return df.astype(dict.fromkeys(text, object)) if text else df


def _shown(name: str) -> cached_property:
    """A stored table as the reports show it (read once per data set)."""
    prop = cached_property(lambda self: text_as_objects(self._stored(name)))
    prop.__doc__ = f"The stored table {name!r}, its text as Python strings."
    return prop


def _derived(name: str) -> property:
    """A read-only attribute for one derived table (computed once, see ``Dataset.derived``)."""
    return property(lambda self: self.derived[name], doc=f"The derived table {name!r}.")


class Dataset:
    """The processed tables of one data version and what the core computes from them."""

    def __init__(self, version_dir: Path, ref: Reference, manifest: dict):
        self.version_dir, self.ref, self.manifest = version_dir, ref, manifest
        self._tables: dict[str, pd.DataFrame] = {}
        self._by_unit: dict[str, tuple[pd.DataFrame, dict[str, pd.DataFrame]]] = {}

    # ------------------------------------------------------------------ stored tables
    def table(self, name: str) -> pd.DataFrame:
        """A stored table as the store types it (what the core computes on)."""
        return store.load_table(name, self.version_dir)

    def _stored(self, name: str) -> pd.DataFrame:
        """A stored table, read once."""
        if name not in self._tables:
            self._tables[name] = self.table(name)
        return self._tables[name]

    # the tables the reports show, their text as Python strings (see text_as_objects)
    observations = _shown("observations")
    narratives = _shown("narratives")
    proposed = _shown("proposed_targets")
    submissions = _shown("submissions")

    @property
    def sample(self) -> bool:
        return bool(self.manifest.get("sample_units"))

    # ------------------------------------------------------------------ derived tables
    @cached_property
    def derived_dir(self) -> Path:
        key = hashlib.sha256(f"{self.manifest['data_hash']}|{self.ref.digest}|{code_fingerprint()}".encode())
        return self.version_dir / "derived" / key.hexdigest()[:16]

    def compute(self) -> dict[str, pd.DataFrame]:
        """Every derived table, from the stored ones (the core's pure functions)."""
        from ..core.feasibility import feasibility
        from ..core.league import league_table
        from ..core.progress import plain, progress, province_values
        from ..core.quality import quality_flags
        from ..core.targets import province_targets

        ref, obs, prop = self.ref, self._stored("observations"), self._stored("proposed_targets")
        prog = plain(progress(obs, ref))
        frames = [feasibility(obs, ref).assign(target_kind="national")]
        if not prop.empty:
            frames.append(feasibility(obs, ref, prop[["unit", "indicator", "year", "value"]]).assign(target_kind="proposed"))
        feas = pd.concat(frames, ignore_index=True)
        feas = feas.sort_values(["unit", "indicator", "year", "target_kind"], kind="stable").reset_index(drop=True)
        tg = province_targets(obs, feas, prop, ref)
        return {"progress": prog, "feasibility": feas, "bands": self._bands(), "league": league_table(prog, obs, ref),
                "quality": quality_flags(obs[obs.unit != ref.units.national], ref),
                "province": province_values(obs, ref),
                **{f"targets_{n}": getattr(tg, n) for n in TARGET_TABLES}}

    def _bands(self) -> pd.DataFrame:
        """The projection of every unit's trend for each year up to the horizon (feasibility charts)."""
        from ..core.feasibility import feasibility

        ref = self.ref
        r = ref.review
        years = range(r.fit_last + 1, r.horizon + 1)
        last = ref.next_targets.sort_values("year").drop_duplicates("id", keep="last").set_index("id").value
        with_history = ref.next.index[ref.next.history.notna()]
        obs = self._stored("observations")
        units = sorted(set(obs.unit) | {ref.province})
        grid = pd.MultiIndex.from_product([units, with_history, years], names=["unit", "indicator", "year"]).to_frame(
            index=False)
        grid["value"] = grid.indicator.map(last)
        band = feasibility(obs, ref, grid)
        return band[["unit", "indicator", "year", "projected", "pi_low", "pi_high"]]

    @cached_property
    def derived(self) -> dict[str, pd.DataFrame]:
        """The derived tables: read from disk when computed before, else computed and kept."""
        if self._derived_on_disk():
            return {n: text_as_objects(pd.read_parquet(self.derived_dir / f"{n}.parquet")) for n in DERIVED}
        frames = self.compute()
        self._keep(frames)
        return {n: text_as_objects(df) for n, df in frames.items()}

    def _keep(self, frames: dict[str, pd.DataFrame]) -> None:
        try:
            with store.atomic_dir(self.derived_dir) as tmp:
                for n, df in frames.items():
                    df.to_parquet(tmp / f"{n}.parquet", index=False)
        except OSError:
            pass  # another process kept them first, or the folder is read-only: the tables are in memory

    def prepare(self) -> None:
        """Compute the derived tables now unless they are on disk already, so that the reports find them."""
        if not self._derived_on_disk():
            self.derived  # noqa: B018 - the cached property computes and keeps them

    def _derived_on_disk(self) -> bool:
        return all((self.derived_dir / f"{n}.parquet").is_file() for n in DERIVED)

    # the derived tables, by name
    progress = _derived("progress")
    feasibility = _derived("feasibility")
    bands = _derived("bands")
    league = _derived("league")
    quality = _derived("quality")
    province_observations = _derived("province")

    @cached_property
    def targets(self):
        """The province's proposed targets for the next strategy (:class:`~..core.targets.ProvinceTargets`)."""
        from ..core.targets import ProvinceTargets

        frames = {n: self.derived[f"targets_{n}"] for n in TARGET_TABLES}
        for df in frames.values():   # lists of units come back from parquet as arrays
            if "units" in df:
                df["units"] = df["units"].map(tuple)
        return ProvinceTargets(**frames)

    # ------------------------------------------------------------------ report inputs
    def unit_rows(self, name: str, unit: str) -> pd.DataFrame:
        """The rows of one unit in the table ``name`` that the reports show ("progress", "observations" …),
        in the table's order and with its index: ``table[table.unit == unit]``, the table split by unit once
        per data set (a kernel makes many reports of one data set)."""
        if name not in self._by_unit:
            df = getattr(self, name)
            self._by_unit[name] = (df.iloc[0:0], dict(iter(df.groupby("unit", sort=False, observed=True))))
        empty, by = self._by_unit[name]
        return by.get(unit, empty)

    def input_hash(self, unit: str) -> str:
        """A hash of the data one unit's report shows: its own rows (the province's: every unit's)."""
        if unit == self.ref.province:
            return self.manifest["data_hash"]
        return (self.manifest.get("unit_hashes") or {}).get(unit, "0" * 64)


@lru_cache(maxsize=4)
def _dataset(version_dir: str, data_hash: str, review: str | None) -> Dataset:
    v = Path(version_dir)
    manifest = store.load_manifest(v)
    ref = review_of(manifest, review)
    store.check_review(manifest, ref.review.name, v.parent)
    return Dataset(v, ref, manifest)


def dataset(processed_dir: Path | str | None = None, review: str | Path | None = None, lang: str = "vi") -> Dataset:
    """The data set in ``processed_dir`` (its current version), shared by every report that asks again."""
    manifest = store.load_manifest(processed_dir, lang)
    v = store.resolve(processed_dir)
    return _dataset(str(v.resolve()), manifest["data_hash"], None if review is None else str(review))


def context_dataset(review: str, processed_dir: Path | str | None = None) -> tuple[Dataset | None, str]:
    """The processed data of a context review (the one whose area series a reorganised tree's reports show):
    the folder given, else the project's ``data/processed`` when it holds that review. Returns the data set,
    or None and why not (the folder missing, or holding another review), in words for the report."""
    from ..paths import default_processed_dir

    folder = Path(processed_dir) if processed_dir else default_processed_dir()
    try:
        manifest = store.load_manifest(folder)
    except FileNotFoundError:
        return None, "missing"
    if (manifest.get("review") or {}).get("name") != review:
        return None, "other_review"
    return dataset(folder, review), ""
