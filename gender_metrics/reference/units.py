"""A review's unit tree: the national level, the province, the areas that report (districts in 2021,
communes since 2025) and the departments, read from the tree file a review names.

``Units.resolve`` turns what people type ("H. Hương Sơn", "TX Ky Anh", NFD text, a code, a slug)
into a unit code, and refuses to guess between two units that share a name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from .. import yamlio

UNIT_COLUMNS = ["code", "parent", "level", "type_vi", "type_en", "name_vi", "name_en", "name_ascii",
                "slug", "mountainous", "population_2019", "answers_for", "source", "former_districts", "formed_from",
                "province_code"]
NAME_FIELDS = ("code", "type_vi", "type_en", "name_vi", "name_en", "slug")


class UnitsError(ValueError):
    """A unit tree file that cannot be used; the message names the file and the entry."""


class UnitError(ValueError):
    """A unit name that matches no unit, or more than one; the message lists the candidates.

    ``str(err)`` is Vietnamese; ``err.text("en")`` gives the English message. The candidates carry
    their labels, so the error needs no unit table to be read (and crosses processes intact).
    """

    def __init__(self, key: str, text: str = "", candidates: tuple[tuple[str, str, str], ...] = ()):
        self.key, self.query, self.candidates = key, text, tuple(candidates)  # (code, label vi, label en)
        super().__init__(self.text("vi"))

    def __reduce__(self):
        return (type(self), (self.key, self.query, self.candidates))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c, _, _ in self.candidates)

    def text(self, lang: str = "vi") -> str:
        from ..i18n import t

        listed = "; ".join(t("unit_candidate", lang, label=vi if lang == "vi" else en, code=c)
                           for c, vi, en in self.candidates)
        if self.key == "unit_unknown":
            hint = t("unit_did_you_mean", lang, candidates=listed) if self.candidates else ""
            return t("unit_unknown", lang, text=repr(self.query), hint=hint)
        return t(self.key, lang, text=repr(self.query), candidates=listed)


def fold(text: str) -> str:
    """Lower-case ASCII form of a Vietnamese name: NFC or NFD in, diacritics and đ folded away."""
    return _fold(str(text))


@lru_cache(maxsize=1 << 16)   # the same names and labels, form after form
def _fold(text: str) -> str:
    t = unicodedata.normalize("NFC", text).casefold().replace("đ", "d")
    t = "".join(ch for ch in unicodedata.normalize("NFD", t) if not unicodedata.combining(ch))
    t = re.sub(r"[.,;:_/\\()\-–]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _fail(path: Path, entry: str, msg: str):
    raise UnitsError(f"{path.name}, {entry}: {msg}")


@dataclass(frozen=True)
class Units:
    """The unit table (one row per unit) and the roles the tree gives its units."""

    table: pd.DataFrame
    province: str
    national: str | None
    area_level: str
    labels: dict            # area labels: label_vi/en ("huyện, thị xã, thành phố"), short_vi/en ("huyện")
    prefixes: dict          # folded type word -> type_vi ("tx" -> "Thị xã")
    name: str = ""
    formed: object = None   # the date the areas took their present shape (a reorganised tree), if given
    bodies: tuple = ()      # folded words naming the authority before the type word ("ubnd")

    @cached_property
    def _by_code(self) -> pd.DataFrame:
        return self.table.set_index("code")

    @cached_property
    def _folded(self) -> pd.Series:
        return self.table.name_vi.map(fold)

    @cached_property
    def _body_re(self) -> re.Pattern:
        words = sorted(map(re.escape, self.bodies), key=len, reverse=True)
        return re.compile(r"^(" + "|".join(words) + r")\s+") if words else re.compile(r"(?!x)x")

    @cached_property
    def _prefix_re(self) -> re.Pattern:
        words = sorted(map(re.escape, self.prefixes), key=len, reverse=True)
        return re.compile(r"^(" + "|".join(words) + r")\s+") if words else re.compile(r"(?!x)x")

    @cached_property
    def _level_codes(self) -> dict[str, tuple[str, ...]]:
        """Level -> codes in the tree's order (read once: a national tree has thousands of units)."""
        out: dict[str, list[str]] = {}
        for code, level in zip(self.table.code.tolist(), self.table.level.tolist(), strict=True):
            out.setdefault(level, []).append(code)
        return {k: tuple(v) for k, v in out.items()}

    def codes(self, *levels: str) -> list[str]:
        """Codes of the units of the given levels, in the tree's order."""
        if len(levels) == 1:
            return list(self._level_codes.get(levels[0], ()))
        return list(self.table.code[self.table.level.isin(levels)])

    @property
    def areas(self) -> list[str]:
        """The territorial units that report and sum into the province (districts, communes)."""
        return self.codes(self.area_level)

    @property
    def sectors(self) -> list[str]:
        return self.codes("sector")

    @cached_property
    def _reporting(self) -> frozenset[str]:
        return frozenset(self.areas + self.sectors)

    @property
    def reporting(self) -> list[str]:
        """Every unit that sends a form: the areas, then the departments."""
        return self.areas + self.sectors

    def is_reporting(self, code: str) -> bool:
        """Whether ``code`` is a unit that sends a form (a set lookup)."""
        return str(code) in self._reporting

    def level(self, code: str) -> str | None:
        """The level of a unit ("national", "province", the area level, "sector"); None if unknown."""
        return self._lookup["levels"].get(str(code))

    def row(self, code: str) -> pd.Series:
        return self._by_code.loc[str(code)]

    def answers_for(self, code: str) -> tuple[str, ...]:
        """The indicators a department answers for (empty for other units)."""
        v = self._by_code.answers_for.get(str(code))
        return tuple(v) if isinstance(v, tuple) else ()

    @cached_property
    def owner(self) -> dict[str, str]:
        """Indicator id -> the province's department that answers for it (a department of another
        province in a multi-province tree answers for its own province's rows only)."""
        own = self.table[self.table.province_code == self.province]
        return {i: c for c, ids in zip(own.code, own.answers_for, strict=True) for i in ids}

    def former_districts(self, code: str) -> tuple[str, ...]:
        """The codes of the earlier tree's districts an area was formed from (empty when not given)."""
        v = self._by_code.former_districts.get(str(code))
        return tuple(v) if isinstance(v, tuple) else ()

    def label(self, code: str, lang: str = "vi") -> str:
        """Full display name: "Huyện Hương Sơn", "Sở Y tế", "Tỉnh Hà Tĩnh" (or the English form)."""
        try:
            return self._labels[lang][str(code)]
        except KeyError:
            raise KeyError(code) from None

    @cached_property
    def _labels(self) -> dict[str, dict[str, str]]:
        """Every unit's display name per language, made once (reports ask for them hundreds of times)."""
        out: dict[str, dict[str, str]] = {"vi": {}, "en": {}}
        for u in self.table.itertuples():
            if u.level == "sector":
                out["vi"][u.code], out["en"][u.code] = u.name_vi, u.name_en.split(" (")[0]
            elif u.level == "national":
                out["vi"][u.code], out["en"][u.code] = u.name_vi, u.name_en
            else:
                out["vi"][u.code], out["en"][u.code] = f"{u.type_vi} {u.name_vi}", f"{u.name_en} {u.type_en}"
        return out

    def area_label(self, lang: str = "vi", short: bool = False) -> str:
        return self.labels[f"{'short' if short else 'label'}_{lang}"]

    def _candidates(self, codes) -> tuple[tuple[str, str, str], ...]:
        return tuple((c, self.label(c, "vi"), self.label(c, "en")) for c in codes)

    def resolve(self, text: str) -> str:
        """The code of the unit that ``text`` names; raises :class:`UnitError` when none or several match.

        Accepts codes ("439"), slugs ("huong-son"), names in NFC or NFD, any case, with or without
        diacritics and with or without a type word before the name (the tree's ``prefixes``, after
        any word naming its authority, the tree's ``bodies``: "UBND huyện Hương Sơn";
        Huyện, H., Thị xã, TX, Thành phố, TP, Tỉnh ...). A name two units share ("Kỳ Anh": a
        district and a town) is ambiguous without its type.
        """
        df = self.table
        raw = unicodedata.normalize("NFC", str(text)).strip()
        if raw in self._lookup["codes"]:
            return raw
        slug = self._lookup["slugs"].get(raw.lower())
        if slug is not None:
            return slug
        key = fold(raw)
        if not key:
            raise UnitError("unit_empty", str(text))
        type_vi = None
        key = self._body_re.sub("", key, count=1)    # "UBND huyện Hương Sơn": the district's authority
        m = self._prefix_re.match(key)
        if m:
            type_vi, key = self.prefixes[m.group(1)], key[m.end():]
        hits = [c for c, typ in self._lookup["names"].get(key, ()) if not type_vi or typ == type_vi]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UnitError("unit_ambiguous", text, self._candidates(hits))
        choices = difflib.get_close_matches(key, list(self._folded), n=3, cutoff=0.6)
        raise UnitError("unit_unknown", text, self._candidates(df.code[self._folded.isin(choices)]))

    @cached_property
    def _lookup(self) -> dict:
        """Codes, slugs and folded names as hash tables, in the tree's order (a national tree has thousands)."""
        codes, slugs, types = (self.table[c].tolist() for c in ("code", "slug", "type_vi"))
        names: dict[str, list[tuple[str, str]]] = {}
        for code, name, typ in zip(codes, self._folded.tolist(), types, strict=True):
            names.setdefault(name, []).append((code, typ))
        return {"codes": frozenset(codes), "slugs": dict(reversed(list(zip(slugs, codes, strict=True)))),
                "names": names, "levels": dict(zip(codes, self.table.level.tolist(), strict=True))}


def _row(path: Path, item: dict, level: str, parent: str | None, where: str, defaults: dict | None = None) -> dict:
    item = {**(defaults or {}), **item}
    for key in ("code", "name_vi", "name_en"):
        if not item.get(key):
            _fail(path, where, f"missing {key!r}")
    code = str(item["code"])
    row = {c: item.get(c) for c in UNIT_COLUMNS}
    former = item.get("former_districts") or ()
    if not isinstance(former, list | tuple) or not all(isinstance(c, str | int) for c in former):
        _fail(path, where, f"former_districts must be a list of district codes, found {former!r}")
    if item.get("formed_from") is not None and not isinstance(item["formed_from"], str):
        _fail(path, where, f"formed_from must be text, found {item['formed_from']!r}")
    row.update(code=code, parent=parent, level=level,
               slug=str(item.get("slug") or code),
               name_ascii=item.get("name_ascii") or fold(item["name_vi"]).title(),
               answers_for=tuple(str(i) for i in item.get("answers_for") or ()),
               source=item.get("source") or path.name,
               former_districts=tuple(str(c) for c in former),
               formed_from=item.get("formed_from") or "",
               province_code=str(item.get("province_code") or parent or code))
    return row


@lru_cache(maxsize=8)
def _load(path_str: str) -> Units:
    path = Path(path_str)
    try:
        doc = yamlio.load(path.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise UnitsError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("province"), dict):
        raise UnitsError(f"{path.name}: expected a 'province' entry (and 'areas', 'sectors')")
    prov = _row(path, doc["province"], "province", None, "province")
    rows = []
    if isinstance(doc.get("national"), dict):
        rows.append(_row(path, doc["national"], "national", None, "national"))
    rows.append(prov)
    areas = doc.get("areas") or {}
    level = str(areas.get("level") or "")
    if not level or level in ("national", "province", "sector"):
        _fail(path, "areas", f"expected a 'level' naming the kind of area (district, commune), found {level!r}")
    for key in ("label_vi", "label_en", "short_vi", "short_en"):
        if not areas.get(key):
            _fail(path, "areas", f"missing {key!r}")
    for i, item in enumerate(areas.get("units") or []):
        rows.append(_row(path, item, level, prov["code"], f"areas entry {i + 1} ({item.get('code')!r})"))
    sectors = doc.get("sectors") or {}
    sec_defaults = {"type_vi": sectors.get("type_vi"), "type_en": sectors.get("type_en")}
    for i, item in enumerate(sectors.get("units") or []):
        rows.append(_row(path, item, "sector", prov["code"], f"sectors entry {i + 1} ({item.get('code')!r})",
                         sec_defaults))
    df = pd.DataFrame(rows).reindex(columns=UNIT_COLUMNS)
    dup = df.code[df.code.duplicated()]
    if not dup.empty:
        _fail(path, f"unit {dup.iloc[0]!r}", "duplicate unit code")
    dup = df[df.slug.duplicated()]
    if not dup.empty:
        _fail(path, f"unit {dup.code.iloc[0]!r}", f"slug {dup.slug.iloc[0]!r} is used by another unit (it names the "
              "unit's form and report files)")
    types = set(prefixes_of(doc).values())
    area_rows = df[df.level == level]
    untyped = area_rows[~area_rows.type_vi.isin(types)] if types else area_rows.iloc[0:0]
    if not untyped.empty:
        _fail(path, f"areas entry {untyped.code.iloc[0]!r}", f"type {untyped.type_vi.iloc[0]!r} has no entry in "
              f"'prefixes' (the type words people write before a name; found types {sorted(types)})")
    # a department answers for an indicator of its own province: one department per indicator and province
    owners = df.explode("answers_for").dropna(subset=["answers_for"])
    twice = owners[owners.duplicated(["province_code", "answers_for"])]
    if not twice.empty:
        _fail(path, f"sector {twice.code.iloc[0]!r}", f"indicator {twice.answers_for.iloc[0]!r} is answered for by "
              "two departments")
    labels = {k: str(areas[k]) for k in ("label_vi", "label_en", "short_vi", "short_en")}
    national = next((r["code"] for r in rows if r["level"] == "national"), None)
    bodies = tuple(fold(b) for b in doc.get("bodies") or ())
    return Units(df, prov["code"], national, level, labels, prefixes_of(doc), str(doc.get("name") or path.stem),
                 areas.get("formed"), bodies)


def prefixes_of(doc: dict) -> dict[str, str]:
    """The tree's type words, folded ("p" -> "Phường")."""
    return {fold(k): str(v) for k, v in (doc.get("prefixes") or {}).items()}


def load_units_file(path: Path | str) -> Units:
    """Read and validate a unit tree file (cached per file: the table is not to be edited in place)."""
    return _load(str(Path(path).resolve()))
