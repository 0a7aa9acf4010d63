"""Report forms: their layout (:mod:`.layout`, shared by writer and reader), writing them
(:mod:`.write`), reading them back (:mod:`.read`, :mod:`.parse`) and the sample data (:mod:`.sample`)."""

from .layout import (
                     FIRST_YEAR_COL,
                     HEADER_ROW,
                     ID_FIELDS,
                     SAMPLE_LABEL,
                     SECTIONS,
                     SHEET_HELP,
                     SHEET_ID,
                     SHEET_TXT,
                     FormRow,
                     Layout,
                     layout_of,
)
from .read import ACCEPTED, IGNORED, REJECTED, FormRead, read_form

_WRITE = ("form_filename", "write_form", "write_forms")   # the writer (openpyxl) is imported when first used

__all__ = ["ACCEPTED", "FIRST_YEAR_COL", "FormRead", "FormRow", "HEADER_ROW", "ID_FIELDS", "IGNORED", "Layout",
           "REJECTED", "SAMPLE_LABEL", "SECTIONS", "SHEET_HELP", "SHEET_ID", "SHEET_TXT", "form_filename", "layout_of",
           "read_form", "write_form", "write_forms"]


def __getattr__(name: str):
    if name in _WRITE:
        from . import write

        return getattr(write, name)
    raise AttributeError(f"module 'gender_metrics.forms' has no attribute {name!r}")
