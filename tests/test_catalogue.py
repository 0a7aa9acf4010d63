"""The catalogue holds every row of both strategies with the right operator for each target."""

import textwrap
from pathlib import Path

import pandas as pd
import pytest

import gender_metrics as gm
from gender_metrics.reference.catalogue import CatalogueError, read_catalogue_file

# (id, year, op, value[, high]) copied by hand from shared/reference/indicators_2011_2020.csv
TARGETS_2011_2020 = [
    ("1.1a", 2020, ">=", 25), ("1.1b", 2015, ">=", 30), ("1.1b", 2020, ">", 35),
    ("1.2", 2015, ">=", 80), ("1.2", 2020, ">", 95), ("1.3", 2015, ">=", 70), ("1.3", 2020, ">=", 100),
    ("2.1", 2015, "between", 40, 60), ("2.1", 2020, "between", 40, 60), ("2.2", 2015, ">=", 30),
    ("2.2", 2020, ">=", 35), ("2.3", 2015, ">=", 25), ("2.3", 2020, ">=", 50), ("2.4", 2015, ">=", 80),
    ("2.4", 2020, ">=", 100), ("3.1", 2015, ">=", 90), ("3.1", 2020, ">=", 98), ("3.2", 2015, ">=", 40),
    ("3.2", 2020, ">=", 50), ("3.3", 2015, ">=", 20), ("3.3", 2020, ">=", 25), ("4.1", 2015, "<=", 113),
    ("4.1", 2020, "<=", 115), ("4.2", 2015, "<=", 58.3), ("4.2", 2020, "<=", 52), ("4.3", 2015, ">=", 40),
    ("4.3", 2020, ">=", 50), ("4.4", 2015, "<=", 27), ("4.4", 2020, "<=", 25), ("5.1", 2015, ">=", 60),
    ("5.1", 2020, ">=", 80), ("5.2", 2015, ">=", 90), ("5.2", 2020, ">=", 100), ("6.1", 2015, "<=", 2),
    ("6.1", 2020, "<=", 1.5), ("6.2a", 2015, ">=", 40), ("6.2a", 2020, ">=", 50), ("6.2b", 2015, ">=", 70),
    ("6.2b", 2020, ">=", 75), ("6.3", 2015, ">=", 100), ("6.3", 2020, ">=", 100), ("7.1", 2015, ">=", 80),
    ("7.1", 2020, ">=", 100), ("7.2", 2015, ">=", 100), ("7.2", 2020, ">=", 100), ("7.3", 2015, ">=", 80),
    ("7.3", 2020, ">=", 100),
]
# shared/reference/indicators_2021_2030.csv
TARGETS_2021_2030 = [
    ("1.1", 2025, ">=", 60), ("1.1", 2030, ">=", 75), ("2.1", 2025, ">=", 50), ("2.1", 2030, ">=", 60),
    ("2.2", 2025, "<", 30), ("2.2", 2030, "<", 25), ("2.3", 2025, ">=", 27), ("2.3", 2030, ">=", 30),
    ("3.1", 2025, "<=", 1.7), ("3.1", 2030, "<=", 1.4), ("3.2a", 2025, ">=", 80), ("3.2a", 2030, ">=", 90),
    ("3.2b", 2025, ">=", 50), ("3.2b", 2030, ">=", 70), ("3.3", 2025, ">=", 100), ("3.3", 2030, ">=", 100),
    ("3.4", 2025, ">=", 70), ("3.4", 2030, ">=", 100), ("4.1", 2025, "<=", 111), ("4.1", 2030, "<=", 109),
    ("4.2", 2025, "<=", 42), ("4.2", 2030, "<", 42), ("4.3", 2025, "<=", 18), ("4.3", 2030, "<", 18),
    ("4.4", 2025, ">=", 40), ("4.4", 2030, ">=", 70), ("5.1", 2025, ">", 90), ("5.1", 2030, ">=", 99),
    ("5.2", 2025, ">=", 100), ("5.2", 2030, ">=", 100), ("5.3", 2025, ">=", 50), ("5.3", 2030, ">=", 50),
    ("5.4", 2025, ">=", 30), ("5.4", 2030, ">=", 35), ("6.1", 2025, ">=", 60), ("6.1", 2030, ">=", 80),
]


def test_both_strategies_have_all_rows():
    cat = gm.load_catalogue()
    counts = cat.indicators.groupby("strategy").size()
    assert counts["2011-2020"] == 24
    assert counts["2021-2030"] == 18
    assert not cat.indicators.duplicated(["strategy", "id"]).any()


@pytest.mark.parametrize("strategy,expected", [("2011-2020", TARGETS_2011_2020), ("2021-2030", TARGETS_2021_2030)])
def test_every_target_and_operator(strategy, expected):
    tg = gm.load_catalogue().targets
    tg = tg[tg.strategy == strategy].set_index(["id", "year"])
    assert len(tg) == len(expected)
    for row in expected:
        got = tg.loc[(row[0], row[1])]
        assert got.op == row[2], row
        assert got.value == pytest.approx(row[3]), row
        if row[2] == "between":
            assert got.value_high == pytest.approx(row[4])
        else:
            assert pd.isna(got.value_high)


def test_directions_and_links():
    ind = gm.load_catalogue().indicators.set_index(["strategy", "id"])
    assert ind.loc[("2011-2020", "4.1"), "direction"] == "ceiling"
    assert ind.loc[("2011-2020", "2.1"), "direction"] == "band"
    assert ind.loc[("2021-2030", "4.1"), "predecessor"] == "4.1"
    assert ind.loc[("2021-2030", "2.3"), "predecessor"] == "2.2"
    assert ind.loc[("2011-2020", "7.1"), "verified"] == "no"
    assert ind.loc[("2011-2020", "1.1b"), "election_years"] == (2011, 2016)
    assert not ind.loc[("2011-2020", "3.2"), "district_level"]


ENTRY = """\
strategy: 2011-2020
indicators:
- id: '9.9'
  objective: 9
  name_vi: Thử
  name_en: Test
  unit_en: '%'
  unit_vi: '%'
  direction: {direction}
  kind: share
  interval: wilson
  factor: 100
  numerator_vi: a
  numerator_en: a
  denominator_vi: b
  denominator_en: b
  measure: a / b
  aggregation: ratio_of_sums
  district_level: true
  sector: so-y-te
  verified: 'yes'
  source: test
  targets:
  - year: 2015
{target}
"""


def _write(tmp_path, text):
    p = tmp_path / "indicators_bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_direction_names_file_and_entry(tmp_path):
    p = _write(tmp_path, ENTRY.format(direction="sideways", target="    op: '>='\n    value: 1"))
    with pytest.raises(CatalogueError, match=r"indicators_bad\.yaml, entry '9\.9': unknown direction 'sideways'"):
        read_catalogue_file(p)


def test_target_without_operator(tmp_path):
    p = _write(tmp_path, ENTRY.format(direction="increase", target="    value: 1"))
    with pytest.raises(CatalogueError, match=r"entry '9\.9': target 2015 has no operator"):
        read_catalogue_file(p)


def test_operator_must_fit_direction(tmp_path):
    p = _write(tmp_path, ENTRY.format(direction="ceiling", target="    op: '>='\n    value: 1"))
    with pytest.raises(CatalogueError, match="does not fit direction 'ceiling'"):
        read_catalogue_file(p)


def test_duplicate_id(tmp_path):
    one = ENTRY.format(direction="increase", target="    op: '>='\n    value: 1")
    entry = one.split("indicators:\n", 1)[1]
    p = _write(tmp_path, one + textwrap.dedent(entry))
    with pytest.raises(CatalogueError, match=r"entry '9\.9': duplicate id"):
        read_catalogue_file(p)


REFERENCE = Path(__file__).parent / "reference"   # copies of shared/reference's checked indicator tables


@pytest.mark.parametrize("strategy", ["2011-2020", "2021-2030"])
def test_catalogue_agrees_with_the_reference_tables(strategy):
    """Every target, operator and verified flag of the catalogue is the one the checked reference gives."""
    first, last = strategy.split("-")
    ref = pd.read_csv(REFERENCE / f"indicators_{first}_{last}.csv", dtype=str, keep_default_na=False)
    cat = gm.load_catalogue()
    ind = cat.indicators[cat.indicators.strategy == strategy].set_index("id")
    tg = cat.targets[cat.targets.strategy == strategy].set_index(["id", "year"])
    assert sorted(ind.index) == sorted(ref.id)
    years = sorted({int(c.split("_")[1]) for c in ref.columns if c.startswith("target_") and c.endswith("_op")})
    for r in ref.to_dict("records"):
        assert ind.loc[r["id"], "verified"] == r["verified"], r["id"]
        for y in years:
            op, value = r[f"target_{y}_op"], r[f"target_{y}"]
            if not op:
                assert (r["id"], y) not in tg.index, (r["id"], y)
                continue
            t = tg.loc[(r["id"], y)]
            assert t.op == op, (r["id"], y)
            if op == "between":
                low, high = (float(x) for x in value.split("-"))
                assert (t.value, t.value_high) == (low, high), (r["id"], y)
            else:
                assert t.value == float(value), (r["id"], y)
