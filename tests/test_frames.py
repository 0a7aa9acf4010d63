"""Rows of small tables as plain Python objects: the same values ``to_dict("records")`` gives."""

import math

import numpy as np
import pandas as pd

from gender_metrics.core.frames import each_row, records


def test_records_are_plain_values_with_categories_as_their_values():
    df = pd.DataFrame({
        "unit": pd.Categorical(["439", "440", "439"], categories=["439", "440", "441"]),
        "name": pd.array(["Hương Sơn", None, "Đức Thọ"], dtype="str"),
        "value": [1.5, np.nan, 3.0],
        "year": np.array([2015, 2020, 2020], dtype=np.int64),
        "met": [True, False, True],
    })
    rows = records(df)
    assert [r["unit"] for r in rows] == ["439", "440", "439"]
    assert rows[0] == {"unit": "439", "name": "Hương Sơn", "value": 1.5, "year": 2015, "met": True}
    assert math.isnan(rows[1]["value"]) and isinstance(rows[1]["name"], float) and math.isnan(rows[1]["name"])
    assert type(rows[0]["year"]) is int and type(rows[0]["met"]) is bool   # Python values, not numpy ones
    expected = df.astype({"unit": object}).to_dict("records")
    assert [r["name"] for r in rows if isinstance(r["name"], str)] == \
        [r["name"] for r in expected if isinstance(r["name"], str)]


def test_each_row_reads_like_itertuples_without_the_index():
    df = pd.DataFrame({"unit": ["439", "440"], "section": ["lessons", "causes"]}, index=[7, 9])
    rows = each_row(df)
    assert [(r.unit, r.section) for r in rows] == [(t.unit, t.section) for t in df.itertuples()]
    assert not hasattr(rows[0], "Index")
    assert records(df.iloc[:0]) == [] and each_row(df.iloc[:0]) == []


def test_text_as_objects_changes_the_holder_of_text_only():
    from gender_metrics.present.data import text_as_objects

    df = pd.DataFrame({"unit": ["439", None, "447"], "n": [1, 2, 3], "v": [0.5, np.nan, 2.0],
                       "status": pd.Categorical(["achieved", "no_data", "achieved"])})
    assert str(df.unit.dtype) == "str"
    out = text_as_objects(df)
    assert out.unit.dtype == object and out.unit.tolist()[0::2] == ["439", "447"] and pd.isna(out.unit[1])
    assert out.n.dtype == df.n.dtype and out.status.dtype == df.status.dtype
    pd.testing.assert_frame_equal(out.astype({"unit": "str"}), df)
    nums = df[["n", "v"]]
    assert text_as_objects(nums) is nums   # nothing to change
