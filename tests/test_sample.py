"""The committed sample forms are exactly what the seeded generator writes, and say they are samples."""

from openpyxl import load_workbook

from gender_metrics.forms import SAMPLE_LABEL, SHEET_ID
from gender_metrics.forms.sample import generate_sample, load_model
from gender_metrics.reference import load_reference


def _cells(path):
    wb = load_workbook(path, read_only=True)
    out = {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
           if getattr(c, "value", None) is not None}
    wb.close()
    return out


def test_committed_forms_equal_fresh_generation(tmp_path, raw_dir):
    fresh = generate_sample(tmp_path)
    committed = sorted(p.name for p in raw_dir.glob("*.xlsx"))
    assert sorted(p.name for p in fresh) == committed
    assert len(committed) == 25  # 13 districts + 13 departments - the one that does not submit
    (missing,) = load_model(load_reference()).missing   # the model's department that sends nothing
    assert f"{missing}.xlsx" not in committed
    for p in fresh:
        assert _cells(p) == _cells(raw_dir / p.name), p.name


def test_every_sample_form_is_labelled(raw_dir):
    for p in raw_dir.glob("*.xlsx"):
        wb = load_workbook(p, read_only=True)
        assert wb[SHEET_ID]["B8"].value == SAMPLE_LABEL, p.name
        wb.close()


def test_sample_magnitudes(processed):

    import gender_metrics as gm

    obs = gm.load_observations(processed)
    districts = obs[obs.unit.str.fullmatch(r"4\d\d")]
    srb = districts[(districts.indicator == "4.1") & districts.parts_known]
    births = srb.numerator + srb.denominator
    assert births.between(900, 3000).all()
    prov = srb.groupby("year")[["numerator", "denominator"]].sum()
    assert (100 * prov.numerator / prov.denominator).mean() > 112
    seats = districts[districts.indicator == "1.1b"].denominator.dropna()
    assert len(seats) >= 20
    assert seats.between(10, 99).all()
    subs = gm.load_table("submissions", processed)
    assert subs["sample"].all()
    assert (subs.on_time == False).sum() == 2  # noqa: E712  one late department, one late district
