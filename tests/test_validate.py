"""The public API refuses observations a verdict cannot rest on (docs/methods.md §6), naming the rows:
nothing is judged from them, and nothing is silently normalised into something else."""

import numpy as np
import pandas as pd
import pytest

import gender_metrics as gm


def obs(rows, **extra):
    """rows: (unit, indicator, year, numerator, denominator, value)."""
    df = pd.DataFrame(rows, columns=["unit", "indicator", "year", "numerator", "denominator", "value"])
    df["strategy"], df["source"] = "2011-2020", "test"
    return df.assign(**extra)


GOOD = ("441", "2.2", 2020, 30, 100, np.nan)


@pytest.mark.parametrize("bad,problem", [
    (("439", "2.2", 2020, 120, 100, np.nan), "numerator is larger than its denominator"),   # "120% achieved"
    (("439", "2.2", 2020, 10.5, 100, np.nan), "must be whole numbers"),
    (("439", "2.2", 2020, np.nan, np.nan, 120.0), "a percentage above 100"),
    (("439", "4.2", 2020, np.nan, np.nan, -5.0), "the value is negative"),                 # "achieved" before
    (("439", "4.2", 2020, -1, 2000, np.nan), "the numerator is negative"),
    (("439", "4.2", 2020, np.nan, np.nan, np.inf), "the value is not finite"),
    (("439", "4.1", 2020, 530, 0, np.nan), "boys > 0 and girls > 0"),
    (("439", "4.1", 2020, 0, 470, np.nan), "boys > 0 and girls > 0"),
    (("439", "2.2", 2020.5, 30, 100, np.nan), "the year is not a whole number"),
    (("439", "2.2", "năm 2020", 30, 100, np.nan), "the year is not a whole number"),
    ((439.5, "2.2", 2020, 30, 100, np.nan), "the unit code is not text"),                  # no phantom unit
    ((None, "2.2", 2020, 30, 100, np.nan), "the unit code is not text"),
    (("439", "2.2", 2020, "ba mươi", 100, np.nan), "the numerator is not a number"),
])
def test_each_rule_names_the_row_and_the_rule(bad, problem):
    o = obs([GOOD, ("440", "2.2", 2020, 20, 100, np.nan), bad])
    for call in (gm.progress, gm.feasibility, gm.province_values):
        with pytest.raises(gm.DataError, match="1 observation") as e:
            call(o)
        msg = str(e.value)
        assert problem in msg and "row 2 " in msg and "docs/methods.md §6" in msg
        assert list(e.value.rows.index) == [2] and problem in e.value.rows.problem.iloc[0]
    assert isinstance(e.value, ValueError)   # the CLI reports it as wrong input (exit 2)


def test_duplicates_are_named_both():
    o = obs([GOOD, ("441", "2.2", 2020, 31, 100, np.nan)])
    with pytest.raises(gm.DataError, match="appear twice") as e:
        gm.progress(o)
    assert list(e.value.rows.index) == [0, 1]
    # the same year for another breakdown, or another strategy, is no duplicate
    ok = obs([GOOD, ("441", "2.2", 2020, 31, 100, np.nan)], breakdown=["", "x"])
    gm.progress(ok)


def test_an_empty_table_or_missing_columns():
    with pytest.raises(gm.DataError, match="empty"):
        gm.progress(obs([]))
    with pytest.raises(gm.DataError, match=r"missing: \['year'\]"):
        gm.progress(obs([GOOD]).drop(columns="year"))
    with pytest.raises(gm.DataError, match="must be a DataFrame"):
        gm.progress([GOOD])


def test_whole_number_codes_are_read_as_their_text():
    # 439.0 (a code that went through a float column) is unit "439", not a phantom unit "439.0"
    o = obs([(439.0, "2.2", 2020, 30, 100, np.nan), (440, "2.2", 2020, 20, 100, np.nan)])
    p = gm.progress(o)
    assert {"439", "440"} <= set(p.unit.astype(str)) and "439.0" not in set(p.unit.astype(str))
    r = p[(p.unit == "42") & (p.indicator == "2.2") & (p.milestone == 2020)].iloc[0]
    assert r.value == pytest.approx(100 * 50 / 200)   # both districts summed into the province


def test_many_bad_rows_are_counted_and_the_first_shown():
    rows = [("439", "2.2", y, 120, 100, np.nan) for y in range(2000, 2020)]
    with pytest.raises(gm.DataError, match=r"20 observation\(s\).*… and 12 more") as e:
        gm.progress(obs(rows))
    assert len(e.value.rows) == 20


def test_row_key_is_equal_exactly_where_every_column_is():
    from gender_metrics.core.validate import row_key

    unit = pd.Series(["439", "440", "439", None, None, "439"], dtype="str")
    year = pd.Series([2015, 2015, 2015, 2016, 2016, 2016])
    codes = np.array([0, 0, 0, 1, 1, -1])     # given as codes (-1: missing)
    key = row_key([unit, codes, year])
    assert key[0] == key[2] and key[3] == key[4]            # the same unit, code and year; missing equals missing
    assert len({key[0], key[1], key[3], key[5]}) == 4       # a unit, a code, a year or a missing code apart
