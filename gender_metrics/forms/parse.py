"""Reading what people type into a form: numbers the Vietnamese way or the English way, dates.

Each parser returns ``(value, None)`` or ``(None, reason)``; the reason is a plain sentence in
``lang`` (Vietnamese by default) that ingest puts in the report beside the cell reference.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from ..i18n import t

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_PLAIN = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def clean_text(value) -> str:
    """NFC-normalised text with surrounding white space removed (NFD input becomes NFC)."""
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_number(raw, *, whole: bool, lang: str = "vi") -> tuple[float | None, str | None]:
    """Parse a number cell. ``whole``: the column holds counts (whole numbers).

    Accepts 1234, "1.234", "1 234", "1,234" (thousands, in count columns), "35,2", "35.2",
    "1.234,5", "1,234.5", "35,2%". Returns ``(number, None)`` or ``(None, reason)``; a percent sign
    is kept as information: ``35,2%`` gives 35.2.
    """
    if isinstance(raw, bool):
        return None, t("in_yesno", lang, raw=repr(raw))
    if isinstance(raw, int | float):
        x = float(raw)
    elif isinstance(raw, dt.date | dt.datetime | dt.time):
        return None, t("in_date_in_number", lang, raw=raw)
    else:
        text = _SPACES.sub("", clean_text(raw))
        percent = text.endswith("%")
        if percent:
            text = text[:-1]
            if whole:
                return None, t("in_percent_in_counts", lang, raw=repr(raw))
        if not text:
            return None, t("in_not_number", lang, raw=repr(raw))
        neg = text.startswith("-")
        body = text.lstrip("+-")
        if "." in body and "," in body:
            dec = "." if body.rfind(".") > body.rfind(",") else ","
            body = body.replace("," if dec == "." else ".", "").replace(dec, ".")
        elif whole and (_GROUPED_DOT.match(body) or _GROUPED_COMMA.match(body)):
            body = body.replace(".", "").replace(",", "")
        elif _GROUPED_DOT.match(body) and body.count(".") > 1:
            body = body.replace(".", "")
        else:
            body = body.replace(",", ".")
        if not _PLAIN.match(body):
            return None, t("in_not_number_whole" if whole else "in_not_number_decimal", lang, raw=repr(raw))
        x = float(body) * (-1 if neg else 1)
    if x != x or x in (float("inf"), float("-inf")):
        return None, t("in_not_finite", lang, raw=repr(raw))
    if x < 0:
        return None, t("in_negative", lang, raw=repr(raw))
    if whole and x != int(x):
        return None, t("in_not_whole", lang, raw=repr(raw))
    return x, None


EXCEL_EPOCH = dt.date(1899, 12, 30)   # day 0 of Excel's 1900 date system (serial 1 = 1 January 1900)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$")
# "ngày 23 tháng 4 năm 2021", also after a place ("Hương Sơn, ngày 23 tháng 04 năm 2021"), folded
_WORDS = re.compile(r"(?:^|\b)(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam\s*)?(\d{4})$")
_SERIAL = re.compile(r"^\d{5}$")


@lru_cache(maxsize=1 << 16)   # the same labels and headers in every form of a batch
def _fold(text: str) -> str:
    t = unicodedata.normalize("NFC", text).casefold().replace("đ", "d")
    t = "".join(ch for ch in unicodedata.normalize("NFD", t) if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", t.replace(",", " ")).strip()


def excel_serial(x: float) -> dt.date | None:
    """The date of an Excel serial day number (a date typed into a cell formatted as General shows as
    44309); None when the number is not a plausible serial."""
    if isinstance(x, bool) or not isinstance(x, int | float) or x != x or not 1 <= x < 2958466:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(x))


def parse_date(raw, lang: str = "vi") -> tuple[dt.date | None, str | None]:
    """A submission date as officers write it: an Excel date, an Excel serial in a General cell (44309),
    text dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy, ISO) or in words ("ngày 23 tháng 4 năm 2021")."""
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        d = excel_serial(raw)
        return (d, None) if d else (None, t("in_not_date", lang, raw=repr(raw)))
    text = clean_text(raw)
    folded = _fold(text)
    try:
        for rx, order in ((_DMY, (3, 2, 1)), (_ISO, (1, 2, 3)), (_WORDS, (3, 2, 1))):
            m = rx.search(folded) if rx is _WORDS else rx.match(folded)
            if m:
                y, mo, d = (int(m.group(i)) for i in order)
                return dt.date(y, mo, d), None
        if _SERIAL.match(folded):
            return excel_serial(int(folded)), None
    except ValueError:
        pass
    return None, t("in_not_date", lang, raw=repr(raw))


def parse_year(raw, years) -> int | None:
    """The year a column header names (2015, "2015", "Năm 2015"), if it is one of ``years``."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        y = int(raw) if raw == int(raw) else None
    else:
        m = re.match(r"^(?:nam )?(\d{4})$", _fold(str(raw)))
        y = int(m.group(1)) if m else None
    return y if y in years else None


def decimals(raw) -> int:
    """How many decimals a typed number shows (35,2 → 1; 35 → 0), at most 9."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return 0
    if isinstance(raw, float):
        text = f"{raw:.10g}"
    else:
        text = _SPACES.sub("", clean_text(raw)).rstrip("%")
    m = re.search(r"[.,](\d+)$", text)
    if not m or (isinstance(raw, str) and _GROUPED_DOT.match(text)):
        return 0
    return min(len(m.group(1)), 9)
