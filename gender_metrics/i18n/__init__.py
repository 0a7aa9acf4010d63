"""User-facing text in Vietnamese (default) and English, and locale-aware number formatting.

``t("status_achieved", "vi")`` → "Đạt"; ``fmt_number(1234567.5, 1, "vi")`` → "1.234.567,5";
``fmt_percent(35.2, "vi")`` → "35,2%". Numbers print the Vietnamese way by default.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_pattern

from .. import yamlio

LANGS = ("vi", "en")
_LOCALE = {"vi": "vi_VN", "en": "en_GB"}


@lru_cache(maxsize=2)
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    path = resources.files("gender_metrics") / "i18n" / f"{lang}.yaml"
    return yamlio.load(path.read_text(encoding="utf-8"))


def t(key: str, lang: str = "vi", /, **kw) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``kw``."""
    text = messages(lang).get(key)
    if text is None:
        raise KeyError(f"i18n key {key!r} missing in {lang}.yaml")
    return text.format(**kw) if kw else text


def _round(x: float, digits: int) -> Decimal:
    q = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=16)
def _pattern(digits: int):
    return parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


@lru_cache(maxsize=2)
def _locale(lang: str) -> Locale:
    return Locale.parse(_LOCALE[lang])


def fmt_number(x, digits: int = 1, lang: str = "vi") -> str:
    """35.25 → "35,3" (vi) or "35.3" (en); thousands grouped; NaN → "–". Rounds half up (Babel's
    number patterns, parsed once)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    try:
        return _formatted(x, digits, lang)
    except TypeError:   # a value that cannot be a cache key
        return _pattern(digits).apply(_round(x, digits), _locale(lang))


@lru_cache(maxsize=1 << 16)
def _formatted(x, digits: int, lang: str) -> str:
    """Babel's formatting costs tens of microseconds, and a batch formats the same years, targets and
    values thousands of times."""
    return _pattern(digits).apply(_round(x, digits), _locale(lang))


def fmt_percent(x, lang: str = "vi", digits: int = 1) -> str:
    """A value already in percent: 35.2 → "35,2%"."""
    s = fmt_number(x, digits, lang)
    return s if s == "–" else s + "%"


def fmt_value(x, unit: str, lang: str = "vi", *, compact: bool = False) -> str:
    """A value in an indicator's unit: "%" gets a percent sign, large rates no decimals.

    ``compact``: a whole number is written without decimals (targets: "35%", not "35,0%").
    """
    digits = 0 if unit.startswith("per 100000") else 1
    if compact and x is not None and x == x:
        digits = 0 if float(x) == int(float(x)) else 1
    s = fmt_number(x, digits, lang)
    return s + "%" if unit.startswith("%") and s != "–" else s   # "%", and "% giảm" (a reduction in percent)


def fmt_date(d, lang: str = "vi") -> str:
    if d is None or (not isinstance(d, str) and d != d):  # None, NaN, NaT
        return "–"
    if isinstance(d, dt.datetime):
        d = d.date()
    return format_date(d, "dd/MM/yyyy", locale=_LOCALE[lang])


_OP_KEY = {">=": "op_ge", ">": "op_gt", "<=": "op_le", "<": "op_lt"}
_OP_SIGN = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def fmt_target(op: str, value, high=None, unit: str = "", lang: str = "vi", *, words: bool = True) -> str:
    """A target as the strategy writes it: "trên 35%", "từ 30% trở lên", "không quá 113",
    "từ 40% đến 60%" (or the English forms); ``words=False`` gives the table form "≥ 30%", "40% - 60%"."""
    v = fmt_value(value, unit, lang, compact=True)
    if op == "between":
        if high is None or high != high:
            raise ValueError(f"a 'between' target needs its upper bound (got {high!r})")
        hi = fmt_value(high, unit, lang, compact=True)
        return t("op_between", lang, low=v, high=hi) if words else f"{v} - {hi}"
    if op not in _OP_KEY:
        raise ValueError(f"unknown target operator {op!r}; expected one of {[*_OP_KEY, 'between']}")
    if op == ">=" and unit.startswith("%") and float(value) == 100:   # "100%", not "từ 100% trở lên"
        return t("op_all", lang, value=v)
    return t(_OP_KEY[op], lang, value=v) if words else f"{_OP_SIGN[op]} {v}"
