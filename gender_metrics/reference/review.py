"""A review described as data: ``reviews/<name>.yaml`` (or a YAML file of the user's own).

A review names the strategy it judges, the years its forms collect, its baseline and milestones,
the strategy whose targets it checks for feasibility (and the trend window), the catalogue, unit
tree, breaks and national files, who compiles, the deadline and how its wording is read, the form's
version, and the texts that name it in reports; optionally the plan that orders it and whether its number
and the deadline are still placeholders, the review whose area series are shown as context (a review on a
reorganised unit tree), the form's sheet names and the model of its sample data. Nothing in the code names a strategy, a province, a
milestone year or a deadline: they all come from here. Loading validates every key and names the
file and the key when something is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .. import yamlio

DEADLINE_RULES = ("on_or_before", "before")
LANGS = ("vi", "en")
# the optional ``document:`` key: the header, summary line, recipients and signature of the Word drafts,
# per kind of report (the province's summary report, an area's or a department's own report)
DOCUMENT_KINDS = ("province", "area", "sector")
DOCUMENT_TEXTS = ("parent", "issuer", "number", "place", "summary", "opening")
DOCUMENT_LISTS = ("to", "recipients", "signature")
# what a document text may name: the unit the draft is for, and the review's facts
DOCUMENT_FIELDS = {"plan", "unit", "UNIT", "unit_text", "name", "abbr", "compiler", "province", "strategy", "next_strategy",
                   "baseline", "final", "previous", "horizon", "areas", "areas_short"}


class ReviewError(ValueError):
    """A review file that cannot be used; the message names the file and the key."""


def bundled_dir() -> Path:
    return Path(str(resources.files("gender_metrics") / "reviews"))


def bundled_names() -> list[str]:
    """The reviews shipped with the package (every ``reviews/*.yaml`` but the index)."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml") if p.stem != "index")


def default_name() -> str:
    """The review commands use when none is given (``reviews/index.yaml``)."""
    index = yamlio.load((bundled_dir() / "index.yaml").read_text(encoding="utf-8"))
    return str(index["default"])


@dataclass(frozen=True)
class Review:
    """One review: what it judges, when, against which targets, for which units."""

    name: str
    path: Path
    strategy: str
    first_year: int
    last_year: int
    baseline_year: int
    milestones: tuple[int, ...]
    feasibility_strategy: str
    feasibility_years: tuple[int, ...]
    fit_first: int
    fit_last: int
    catalogue_files: tuple[Path, ...]
    units_file: Path
    breaks_file: Path | None
    national_file: Path | None
    compiler: str
    deadline: dt.date
    deadline_rule: str
    form_version: str
    form_created: dt.date
    form_dates: tuple[dt.date, dt.date]
    smoothed_indicator: str | None = None
    pool_years: int = 5
    highlights: tuple[str, ...] = ()
    texts: dict = field(default_factory=dict, compare=False, repr=False)
    document: dict = field(default_factory=dict, compare=False, repr=False)
    deadline_placeholder: bool = False      # the date is provisional: the compiler fills the real one in
    plan: dict = field(default_factory=dict, compare=False, repr=False)   # {vi, en, placeholder}
    context_review: str | None = None       # the review whose area series a report shows as context
    form_sheets: dict = field(default_factory=dict, compare=False, repr=False)   # {indicators, targets}
    sample_file: Path | None = None          # the model of the sample data (forms/sample.py)

    @property
    def years(self) -> list[int]:
        """Every year the forms collect, in order."""
        return list(range(self.first_year, self.last_year + 1))

    @property
    def final(self) -> int:
        """The review's own milestone (its last one)."""
        return self.milestones[-1]

    @property
    def previous(self) -> int | None:
        """The milestone before the final one (None when there is only one)."""
        return self.milestones[-2] if len(self.milestones) > 1 else None

    @property
    def horizon(self) -> int:
        """The last year whose targets are checked for feasibility."""
        return self.feasibility_years[-1]

    @property
    def checks_own_targets(self) -> bool:
        """A mid-term review: the targets checked for feasibility are the judged strategy's own later ones."""
        return self.feasibility_strategy == self.strategy

    @property
    def placeholders_pending(self) -> bool:
        """Whether the plan's number or the deadline is a placeholder the compiler still has to fill in."""
        return self.deadline_placeholder or bool(self.plan.get("placeholder"))

    def on_time(self, submitted: dt.date) -> bool:
        """Whether a form dated ``submitted`` meets the deadline, read by the review's rule."""
        return submitted < self.deadline if self.deadline_rule == "before" else submitted <= self.deadline

    def files(self) -> list[Path]:
        """Every data file the review consists of (for its digest)."""
        extra = [p for p in (self.breaks_file, self.national_file) if p is not None]
        return [self.path, *self.catalogue_files, self.units_file, *extra]

    @property
    def digest(self) -> str:
        """A hash of the review and every file it names: what a report's content depends on."""
        h = hashlib.sha256()
        for p in self.files():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        return h.hexdigest()


def _fail(path: Path, key: str, msg: str):
    raise ReviewError(f"{path.name}, key {key!r}: {msg}")


def _year(path: Path, key: str, x) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or not 1900 <= x <= 2200:
        _fail(path, key, f"expected a year (a whole number such as 2020), found {x!r}")
    return int(x)


def _years(path: Path, key: str, x, n: int | None = None) -> tuple[int, ...]:
    if not isinstance(x, list) or not x or (n is not None and len(x) != n):
        want = f"a list of {n} years" if n else "a list of years"
        _fail(path, key, f"expected {want}, found {x!r}")
    ys = tuple(_year(path, key, y) for y in x)
    if list(ys) != sorted(set(ys)):
        _fail(path, key, f"years must be increasing, found {list(ys)}")
    return ys


def _date(path: Path, key: str, x) -> dt.date:
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x))
    except ValueError:
        _fail(path, key, f"expected a date written YYYY-MM-DD, found {x!r}")


def _file(path: Path, key: str, x) -> Path:
    if not isinstance(x, str) or not x:
        _fail(path, key, f"expected a file name, found {x!r}")
    p = (path.parent / x).resolve()
    if not p.is_file():
        _fail(path, key, f"file {x!r} not found (looked for {p})")
    return p


def _strategy(path: Path, key: str, x) -> str:
    s = str(x)
    parts = s.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) or parts[0] >= parts[1]:
        _fail(path, key, f"expected a strategy written as its period (first-last year), found {x!r}")
    return s


REQUIRED = ("name", "strategy", "years", "baseline_year", "milestones", "feasibility", "catalogue", "units",
            "compiler", "deadline", "form", "texts")


def _document(path: Path, doc) -> dict:
    """The optional ``document:`` key, validated: ``month``/``year`` of the date line (default: the
    deadline's), ``abbreviations`` (unit code -> the abbreviation in a document's number), and per
    language and kind of report (province, area, sector) the texts of the Word draft's header and end
    (see ``DOCUMENT_TEXTS`` and ``DOCUMENT_LISTS``); each may name ``DOCUMENT_FIELDS`` in braces."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        _fail(path, "document", f"expected keys month, year, abbreviations, vi, en; found {doc!r}")
    unknown = sorted(set(doc) - {"month", "year", "abbreviations", *LANGS})
    if unknown:
        _fail(path, "document", f"unknown key(s) {unknown}; expected month, year, abbreviations, vi, en")
    out: dict = {"month": None, "year": None, "abbreviations": {}}
    if doc.get("month") is not None:
        m = doc["month"]
        if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12:
            _fail(path, "document.month", f"expected a month (1-12), found {m!r}")
        out["month"] = m
    if doc.get("year") is not None:
        out["year"] = _year(path, "document.year", doc["year"])
    ab = doc.get("abbreviations") or {}
    if not isinstance(ab, dict) or not all(isinstance(v, str) and v for v in ab.values()):
        _fail(path, "document.abbreviations", f"expected unit codes with their abbreviations, found {ab!r}")
    out["abbreviations"] = {str(k): str(v) for k, v in ab.items()}

    def checked(key: str, text) -> str:
        if not isinstance(text, str):
            _fail(path, key, f"expected a text, found {text!r}")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            _fail(path, key, f"unbalanced braces in {text!r} ({exc})")
        bad = sorted(fields - DOCUMENT_FIELDS)
        if bad:
            _fail(path, key, f"unknown placeholder(s) {bad}; a document text may name {sorted(DOCUMENT_FIELDS)}")
        return text

    for lang in LANGS:
        kinds = doc.get(lang) or {}
        if not isinstance(kinds, dict) or set(kinds) - set(DOCUMENT_KINDS):
            _fail(path, f"document.{lang}", f"expected the kinds {list(DOCUMENT_KINDS)}, found {kinds!r}")
        out[lang] = {}
        for kind, texts in kinds.items():
            where = f"document.{lang}.{kind}"
            if not isinstance(texts, dict):
                _fail(path, where, f"expected keys {[*DOCUMENT_TEXTS, *DOCUMENT_LISTS]}, found {texts!r}")
            unknown = sorted(set(texts) - {*DOCUMENT_TEXTS, *DOCUMENT_LISTS})
            if unknown:
                _fail(path, where, f"unknown key(s) {unknown}; expected {[*DOCUMENT_TEXTS, *DOCUMENT_LISTS]}")
            entry = {}
            for key, value in texts.items():
                if key in DOCUMENT_LISTS:
                    if not isinstance(value, list):
                        _fail(path, f"{where}.{key}", f"expected a list of lines, found {value!r}")
                    entry[key] = [checked(f"{where}.{key}", x) for x in value]
                else:
                    entry[key] = checked(f"{where}.{key}", "" if value is None else value)
            out[lang][kind] = entry
    return out


def resolve_path(review: str | Path | None) -> Path:
    """The YAML file of ``review``: a bundled name, or a path to a file of the user's own."""
    if review is None:
        review = default_name()
    p = Path(review)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise ReviewError(f"review file {str(review)!r} not found")
        return p.resolve()
    bundled = bundled_dir() / f"{review}.yaml"
    if review == "index" or not bundled.is_file():
        raise ReviewError(f"unknown review {str(review)!r}; bundled: {', '.join(bundled_names())} "
                          "(or give the path of a review YAML file)")
    return bundled


def load_review(review: str | Path | None = None) -> Review:
    """Load and validate a review by bundled name or path (default: the bundled default review)."""
    path = resolve_path(review)
    try:
        doc = yamlio.load(path.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise ReviewError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise ReviewError(f"{path.name}: expected a mapping of keys, found {type(doc).__name__}")
    for key in REQUIRED:
        if key not in doc or doc[key] is None:
            _fail(path, key, "missing")
    first, last = _years(path, "years", doc["years"], 2)
    baseline = _year(path, "baseline_year", doc["baseline_year"])
    if not first <= baseline <= last:
        _fail(path, "baseline_year", f"{baseline} is outside the years the forms collect ({first}-{last})")
    milestones = _years(path, "milestones", doc["milestones"])
    if not all(baseline < m <= last for m in milestones):
        _fail(path, "milestones", f"every milestone must follow the baseline {baseline} and be at most {last}")
    feas = doc["feasibility"]
    if not isinstance(feas, dict):
        _fail(path, "feasibility", "expected keys strategy, years and fit")
    for key in ("strategy", "years", "fit"):
        if key not in feas:
            _fail(path, f"feasibility.{key}", "missing")
    fit = _years(path, "feasibility.fit", feas["fit"], 2)
    fyears = _years(path, "feasibility.years", feas["years"])
    if fyears[0] <= fit[1]:
        _fail(path, "feasibility.years", f"targets checked for feasibility must lie after the trend window {list(fit)}")
    cats = doc["catalogue"]
    if not isinstance(cats, list) or not cats:
        _fail(path, "catalogue", "expected a list of catalogue files")
    dl = doc["deadline"]
    if not isinstance(dl, dict) or "date" not in dl:
        _fail(path, "deadline", "expected keys date and rule")
    rule = dl.get("rule", "on_or_before")
    if rule not in DEADLINE_RULES:
        _fail(path, "deadline.rule", f"expected one of {list(DEADLINE_RULES)}, found {rule!r}")
    form = doc["form"]
    if not isinstance(form, dict) or not form.get("version"):
        _fail(path, "form", "expected keys version, created and dates")
    dates = form.get("dates")
    if not isinstance(dates, list) or len(dates) != 2:
        _fail(path, "form.dates", f"expected the first and last date a form may carry, found {dates!r}")
    texts = doc["texts"]
    if not isinstance(texts, dict):
        _fail(path, "texts", "expected texts per language (vi, en)")
    for lang in LANGS:
        for key in ("report_title", "report_subtitle", "form_title", "form_basis", "targets_basis"):
            if not isinstance(texts.get(lang), dict) or not texts[lang].get(key):
                _fail(path, f"texts.{lang}.{key}", "missing")
    if not isinstance(doc.get("highlights") or [], list):
        _fail(path, "highlights", f"expected a list of indicator ids, found {doc['highlights']!r}")
    league = doc.get("league") or {}
    if not isinstance(league, dict) or not isinstance(league.get("pool_years", 5), int):
        _fail(path, "league", "expected keys smoothed (an indicator id) and pool_years (a whole number)")
    plan = doc.get("plan") or {}
    if not isinstance(plan, dict) or (plan and not all(isinstance(plan.get(lang), str) and plan[lang] for lang in LANGS)):
        _fail(path, "plan", "expected the plan's reference per language (vi, en) and optionally placeholder: true")
    context = doc.get("context") or {}
    if not isinstance(context, dict) or (context and not isinstance(context.get("review"), str)):
        _fail(path, "context", "expected review: the name of the review whose area series are shown as context")
    if context and context["review"] == str(doc["name"]):
        _fail(path, "context.review", "a review cannot be its own context")
    sheets = form.get("sheets") or {}
    if not isinstance(sheets, dict) or set(sheets) - {"indicators", "targets"} or not all(
            isinstance(v, str) and 0 < len(v) <= 31 for v in sheets.values()):
        _fail(path, "form.sheets", "expected sheet names (indicators, targets) of at most 31 characters")
    if len(set(sheets.values())) < len(sheets):
        _fail(path, "form.sheets", "the indicators and targets sheets need different names")
    for where, d in (("deadline", dl), ("plan", plan)):
        if not isinstance(d.get("placeholder", False), bool):
            _fail(path, f"{where}.placeholder", f"expected true or false, found {d['placeholder']!r}")
    if str(doc["name"]) != path.stem:
        _fail(path, "name", f"must equal the file name without .yaml ({path.stem!r}), found {doc['name']!r}")
    return Review(
        name=str(doc["name"]), path=path,
        strategy=_strategy(path, "strategy", doc["strategy"]),
        first_year=first, last_year=last, baseline_year=baseline, milestones=milestones,
        feasibility_strategy=_strategy(path, "feasibility.strategy", feas["strategy"]),
        feasibility_years=fyears, fit_first=fit[0], fit_last=fit[1],
        catalogue_files=tuple(_file(path, "catalogue", c) for c in cats),
        units_file=_file(path, "units", doc["units"]),
        breaks_file=_file(path, "breaks", doc["breaks"]) if doc.get("breaks") else None,
        national_file=_file(path, "national", doc["national"]) if doc.get("national") else None,
        compiler=str(doc["compiler"]),
        deadline=_date(path, "deadline.date", dl["date"]), deadline_rule=rule,
        form_version=str(form["version"]),
        form_created=_date(path, "form.created", form.get("created", dl["date"])),
        form_dates=(_date(path, "form.dates", dates[0]), _date(path, "form.dates", dates[1])),
        smoothed_indicator=str(league["smoothed"]) if league.get("smoothed") else None,
        pool_years=int(league.get("pool_years", 5)),
        highlights=tuple(str(i) for i in (doc.get("highlights") or ())),
        texts={lang: dict(texts[lang]) for lang in LANGS},
        document=_document(path, doc.get("document")),
        deadline_placeholder=bool(dl.get("placeholder", False)),
        plan=dict(plan), context_review=str(context["review"]) if context else None,
        form_sheets=dict(sheets),
        sample_file=_file(path, "sample", doc["sample"]) if doc.get("sample") else None,
    )
