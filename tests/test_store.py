"""The processed tables: a contract checked before anything is written, one versioned atomic save
(the previous version kept), typed loads, the software versions in the manifest, and folder locks."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import gender_metrics as gm
from gender_metrics import store


def test_versions_are_written_whole_and_the_previous_one_is_kept(raw_dir, tmp_path):
    out = tmp_path / "p"
    first = gm.ingest(raw_dir, out)
    assert first.version_dir == out / "v0001" and (out / "CURRENT").read_text().strip() == "v0001"
    second = gm.ingest(raw_dir, out)
    assert second.version_dir.name == "v0002" and (out / "v0001" / "manifest.json").exists()  # previous kept
    assert store.resolve(out) == out / "v0002"
    gm.ingest(raw_dir, out)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["v0002", "v0003"]   # older ones go
    assert not list(out.glob(".*.tmp*"))
    # a version folder can be read directly too (the batch runner pins the one it started with)
    assert gm.load_manifest(out / "v0002")["version"] == "v0002"


def test_loads_are_typed(processed):
    obs = gm.load_observations(processed)
    assert obs.year.dtype == "int64" and obs.numerator.dtype == "float64" and obs.parts_known.dtype == bool
    assert pd.api.types.is_string_dtype(obs.unit) and list(obs.columns) == list(store.SCHEMAS["observations"])
    subs = gm.load_table("submissions", processed)
    assert subs.submitted.dtype == "datetime64[ns]" and subs.on_time.dtype == "boolean"
    report = gm.load_table("ingest_report", processed)
    assert set(report.status) <= {"accepted", "rejected", "ignored"}
    with pytest.raises(KeyError, match="unknown table 'quality'"):
        gm.load_table("quality", processed)


def test_the_manifest_records_review_hashes_and_software(processed):
    m = gm.load_manifest(processed)
    assert m["review"]["name"] == "tong-ket-2011-2020" and len(m["data_hash"]) == 64
    for dist in ("gender_metrics", "pandas", "plotly", "papermill"):
        assert m["software"][dist] and m["software"][dist] != "not installed"
    assert set(m["files"]) == {"observations.parquet", "narratives.parquet", "proposed_targets.parquet",
                               "submissions.parquet", "ingest_report.parquet", "blanks.parquet",
                               "ingest_report.csv", "ingest_report.xlsx"}
    assert "439" in m["unit_hashes"] and "so-y-te" in m["unit_hashes"]


def _tables(processed):
    return {n: gm.load_table(n, processed) for n in store.SCHEMAS}


def test_a_table_that_breaks_its_contract_is_refused_and_nothing_is_replaced(processed, tmp_path):
    out = tmp_path / "p"
    tables = _tables(processed)
    store.save(out, tables, {"review": {"name": "tong-ket-2011-2020"}})
    bad = dict(tables)
    obs = tables["observations"].copy()
    obs.loc[3, "denominator"] = -5.0
    bad["observations"] = obs
    with pytest.raises(store.StoreError, match=r"table observations breaks its contract .*row 3: denominator = -5\.0"):
        store.save(out, bad, {})
    dup = dict(tables)
    dup["observations"] = pd.concat([tables["observations"], tables["observations"].iloc[:1]], ignore_index=True)
    with pytest.raises(store.StoreError, match="table observations breaks its contract"):
        store.save(out, dup, {})   # the same unit × indicator × year twice
    assert (out / "CURRENT").read_text().strip() == "v0001" and not (out / "v0002").exists()


def test_an_interrupted_save_leaves_the_current_version(processed, tmp_path, monkeypatch):
    out = tmp_path / "p"
    tables = _tables(processed)
    store.save(out, tables, {})
    calls = []

    def broken(self, *a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, *a, **kw)

    real = pd.DataFrame.to_parquet
    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        store.save(out, tables, {})
    assert (out / "CURRENT").read_text().strip() == "v0001"
    assert sorted(p.name for p in out.iterdir()) == ["CURRENT", "v0001"]   # no half-written version left


def test_value_is_derived_by_one_rule():
    df = pd.DataFrame({"numerator": [3, 0, 5, np.nan], "denominator": [2000, 0, np.nan, np.nan],
                       "value": [np.nan, np.nan, 7.0, 8.0]})
    from gender_metrics.reference.catalogue import derive_values

    v = derive_values(df, [1e5, 100, 100, 100])
    assert v[0] == pytest.approx(150.0) and np.isnan(v[1])      # 0 of 0: no rate
    assert v[2] == 7.0 and v[3] == 8.0                           # parts unknown: the reported value


def test_the_lock_covers_ingest_and_packet(raw_dir, processed, tmp_path):
    out = tmp_path / "p"
    out.mkdir()
    with open(out / ".lock", "w") as fh:   # another command holds the folder
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(store.Busy, match="đang ghi vào"):
            gm.ingest(raw_dir, out)
        r = subprocess.run([sys.executable, "-m", "gender_metrics", "packet", "--processed", str(processed),
                            "--out", str(out / "packet.xlsx")], capture_output=True, text=True)
        assert r.returncode == 1 and "đang ghi vào" in r.stderr
    assert not (out / "CURRENT").exists()
    shutil.rmtree(out)


def test_a_folder_written_by_an_earlier_layout_says_to_ingest_again(processed, tmp_path, raw_dir):
    import json
    import shutil

    from gender_metrics import store
    from gender_metrics.ingest import ingest

    old = tmp_path / "old"
    shutil.copytree(processed, old)
    version = store.resolve(old)
    manifest = json.loads((version / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["format"] = store.FORMAT - 1
    (version / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(store.StoreError, match="phiên bản cũ .* hãy chạy lại `gender-metrics ingest --processed"):
        gm.load_observations(old)
    ingest(raw_dir, old)                      # a new ingest into it works, and reads as usual afterwards
    assert not gm.load_observations(old).empty
