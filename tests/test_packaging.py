"""The package as pip builds and installs it: every data file a review needs, the templates, the
texts and the report notebooks travel inside it, and it declares what the code imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("gender_metrics-*.whl")
    return whl


def test_the_wheel_carries_the_data_templates_and_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("district", "sector", "province", "national", "feasibility", "explore"):
        assert f"gender_metrics/notebooks/{kind}.ipynb" in names, kind
    for f in ("reviews/index.yaml", "reviews/tong-ket-2011-2020.yaml", "reviews/units/ha-tinh-2021.yaml",
              "reviews/catalogue/indicators_2011_2020.yaml", "reviews/catalogue/indicators_2021_2030.yaml",
              "reviews/data/national_actuals_2011_2020.csv", "i18n/vi.yaml", "i18n/en.yaml",
              "present/templates/results.html.j2", "present/templates/report.css",
              "outputs/templates/gm_report/index.html.j2"):
        assert f"gender_metrics/{f}" in names, f


def test_the_wheel_declares_what_the_code_imports(wheel):
    z = zipfile.ZipFile(wheel)
    meta = Parser().parsestr(z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode())
    from packaging.requirements import Requirement

    reqs = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    base = {r.name.lower().replace("-", "_"): r.specifier for r in reqs if r.marker is None}
    for dist in ("pandas", "numpy", "scipy", "plotly", "papermill", "nbconvert", "nbformat", "nbclient",
                 "jupyter_client", "ipykernel", "ipython", "jinja2", "openpyxl", "pyarrow", "pyyaml", "pandera",
                 "filelock", "tqdm", "babel"):
        assert dist in base, dist
    # the major versions that broke us before are bounded above
    assert "4.0" not in base["pandas"] and "3.1.1" in base["pandas"]
    assert "8.0" not in base["plotly"] and "7.1.0" in base["plotly"]
