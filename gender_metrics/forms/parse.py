"""Reading what people type into a form: numbers the Vietnamese way or the English way, dates.

Each parser returns ``(value, None)`` or ``(None, reason)``; the reason is a plain sentence in
``lang`` (Vietnamese by default) that ingest puts in the report beside the cell reference.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

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


def parse_date(raw, lang: str = "vi") -> tuple[dt.date | None, str | None]:
    """A submission date: an Excel date, or text dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy, ISO)."""
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    text = clean_text(raw)
    m = re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$", text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))), None
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
    except ValueError:
        pass
    return None, t("in_not_date", lang, raw=repr(raw))
