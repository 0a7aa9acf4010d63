"""The province's units: the national level, the province, its districts and its departments.

``resolve_unit`` turns what people type ("H. Hương Sơn", "TX Ky Anh", NFD text, a code, a slug)
into a unit code, and refuses to guess between two units that share a name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

UNIT_COLUMNS = ["code", "parent", "level", "type_vi", "type_en", "name_vi", "name_en", "name_ascii",
                "slug", "mountainous", "population_2019", "indicators_2011_2020", "source"]
LEVELS = ("national", "province", "district", "sector")

# Prefixes people write before a unit name, normalised (lower case, no diacritics), to the type.
_PREFIXES = {
    "huyen": "Huyện", "h": "Huyện",
    "thi xa": "Thị xã", "tx": "Thị xã",
    "thanh pho": "Thành phố", "tp": "Thành phố",
    "tinh": "Tỉnh",
}
_PREFIX_RE = re.compile(r"^(" + "|".join(sorted(map(re.escape, _PREFIXES), key=len, reverse=True)) + r")\s+")


class UnitError(ValueError):
    """A unit name that matches no unit, or more than one; the message lists the candidates.

    ``str(err)`` is Vietnamese; ``err.text("en")`` gives the English message.
    """

    def __init__(self, key: str, text: str = "", candidates: tuple[str, ...] = ()):
        self.key, self.query, self.candidates = key, text, tuple(candidates)
        super().__init__(self.text("vi"))

    def __reduce__(self):
        return (type(self), (self.key, self.query, self.candidates))

    def text(self, lang: str = "vi") -> str:
        from .i18n import t

        listed = "; ".join(t("unit_candidate", lang, label=unit_label(c, lang), code=c) for c in self.candidates)
        if self.key == "unit_unknown":
            hint = t("unit_did_you_mean", lang, candidates=listed) if self.candidates else ""
            return t("unit_unknown", lang, text=repr(self.query), hint=hint)
        return t(self.key, lang, text=repr(self.query), candidates=listed)


def fold(text: str) -> str:
    """Lower-case ASCII form of a Vietnamese name: NFC or NFD in, diacritics and đ folded away."""
    t = unicodedata.normalize("NFC", str(text)).casefold().replace("đ", "d")
    t = "".join(ch for ch in unicodedata.normalize("NFD", t) if not unicodedata.combining(ch))
    t = re.sub(r"[.,;:_/\\()\-–]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _units_path() -> Path:
    return Path(str(resources.files("gender_metrics") / "catalogue"))


@lru_cache(maxsize=1)
def _load_units() -> pd.DataFrame:
    d = _units_path()
    units = yaml.safe_load((d / "units.yaml").read_text(encoding="utf-8"))["units"]
    sectors = yaml.safe_load((d / "sectors.yaml").read_text(encoding="utf-8"))["sectors"]
    rows = []
    for u in units:
        rows.append({**u, "code": str(u["code"]), "parent": str(u["parent"]) if u.get("parent") else None,
                     "indicators_2011_2020": ()})
    for s in sectors:
        rows.append({"code": s["code"], "parent": str(s["parent"]), "level": "sector", "type_vi": "Sở, ngành",
                     "type_en": "Department", "name_vi": s["name_vi"], "name_en": s["name_en"],
                     "name_ascii": fold(s["name_vi"]).title(), "slug": s["code"],
                     "indicators_2011_2020": tuple(str(i) for i in s["indicators_2011_2020"]),
                     "source": "sectors.yaml"})
    df = pd.DataFrame(rows).reindex(columns=UNIT_COLUMNS)
    dup = df.code[df.code.duplicated()]
    if not dup.empty:
        raise ValueError(f"units.yaml/sectors.yaml: duplicate unit code {dup.iloc[0]!r}")
    return df


def load_units() -> pd.DataFrame:
    """All units: code, parent, level (national, province, district, sector), names, slug.

    Codes are strings: "VN", "42" (the province), "436".."449" (districts), sector slugs.
    """
    return _load_units().copy()


def unit_label(code: str, lang: str = "vi") -> str:
    """Full display name: "Huyện Hương Sơn", "Sở Y tế", "Tỉnh Hà Tĩnh" (or the English form)."""
    u = _load_units().set_index("code").loc[str(code)]
    if u.level == "sector":
        return u.name_vi if lang == "vi" else u.name_en.split(" (")[0]
    if lang == "vi":
        return u.name_vi if u.level == "national" else f"{u.type_vi} {u.name_vi}"
    return u.name_en if u.level == "national" else f"{u.name_en} {u.type_en}"


def resolve_unit(text: str) -> str:
    """The code of the unit that ``text`` names; raises :class:`UnitError` when none or several match.

    Accepts codes ("439"), slugs ("huong-son"), names in NFC or NFD, any case, with or without
    diacritics and with or without a type prefix (Huyện, H., Thị xã, TX, Thành phố, TP, Tỉnh).
    "Kỳ Anh" (district 447 and town 449) and "Hà Tĩnh" (province 42 and city 436) alone are
    ambiguous.
    """
    df = _load_units()
    raw = unicodedata.normalize("NFC", str(text)).strip()
    if raw in set(df.code):
        return raw
    if raw.lower() in set(df.slug):
        return df.code[df.slug == raw.lower()].iloc[0]
    key = fold(raw)
    if not key:
        raise UnitError("unit_empty", str(text))
    type_vi = None
    m = _PREFIX_RE.match(key)
    if m:
        type_vi, key = _PREFIXES[m.group(1)], key[m.end():]
    names = df.name_vi.map(fold)
    hits = df[(names == key) & ((df.type_vi == type_vi) if type_vi else True)]
    if len(hits) == 1:
        return hits.code.iloc[0]
    if len(hits) > 1:
        raise UnitError("unit_ambiguous", text, tuple(hits.code))
    choices = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    raise UnitError("unit_unknown", text, tuple(df.code[names.isin(choices)]))
