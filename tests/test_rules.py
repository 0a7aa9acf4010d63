"""The one rule for "does a value meet its target", by hand."""

import numpy as np

from gender_metrics.core.rules import meets


def test_each_operator_by_hand():
    x = [5, 5, 5, 5, 5, 5, np.nan, 5]
    op = [">=", ">", "<=", "<", "between", "between", ">=", "between"]
    target = [5, 5, 5, 5, 4, 6, 1, 4]
    high = [np.nan, np.nan, np.nan, np.nan, 6, 8, np.nan, np.nan]   # a band without its upper end: not met
    assert meets(x, op, target, high).tolist() == [True, False, True, False, True, False, False, False]


def test_unknown_or_missing_operators_never_meet_and_a_scalar_operator_applies_to_all():
    assert meets([5, 5, 5], ["=>", None, np.nan], [1, 1, 1]).tolist() == [False, False, False]
    assert meets(np.arange(6), "<", 3).tolist() == [True, True, True, False, False, False]
    long = np.tile([">=", "<"], 5000)   # a national column: one comparison per distinct operator
    assert meets(np.full(10000, 2.0), long, 2.0).tolist() == [True, False] * 5000
