"""The shape of the package: a review is data (no review-specific literal in the code), each step
has one home, and imports run one way (run → outputs → present → core → store/reference; forms and
ingest → store, reference). Read from the source files themselves, with Python's own tokenizer and
parser."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "gender_metrics"
# what names a review: its strategies, the province code, the milestone years (docstrings and
# comments aside; data files are where these belong)
WATCH = {"'2011-2020'", '"2011-2020"', "'2021-2030'", '"2021-2030"', "'42'", '"42"',
         "2010", "2015", "2020", "2025", "2030"}


def review_literals() -> list[str]:
    hits = []
    for p in sorted(PKG.rglob("*.py")):
        toks = list(tokenize.generate_tokens(io.StringIO(p.read_text(encoding="utf-8")).readline))
        prev = None
        for t in toks:
            if t.type in (tokenize.STRING, tokenize.NUMBER) and t.string in WATCH:
                docstring = t.type == tokenize.STRING and (prev is None or prev.type in (
                    tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL))
                if not docstring:
                    hits.append(f"{p.relative_to(PKG)}:{t.start[0]} {t.string}")
            if t.type not in (tokenize.COMMENT, tokenize.NL):
                prev = t
    return hits


def test_no_review_specific_literal_in_the_code():
    assert review_literals() == []


def test_the_scan_finds_a_literal(tmp_path, monkeypatch):
    """The scan can fail: a module that names a milestone year is found."""
    (tmp_path / "m.py").write_text('"""2020 in a docstring is fine."""\nYEAR = 2020  # but not in code\n', encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PKG", tmp_path)
    assert review_literals() == ["m.py:2 2020"]


def imports_of(path: Path) -> set[str]:
    """The package's own modules that ``path`` imports (at module level or inside functions)."""
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    package = ".".join(parts[:-1])   # the package a relative import starts from
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            names = [f"{name}.{a.name}" for a in node.names] if not node.module or node.level and not node.module else []
            out |= {name, *names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {n for n in out if n.startswith("gender_metrics")}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


# which of the package's parts each part may import
ALLOWED = {
    "i18n": {"yamlio"}, "yamlio": set(), "paths": set(), "locking": set(),
    "reference": {"i18n", "yamlio"},
    "store": {"i18n", "paths", "locking"},
    "core": {"reference", "i18n"},
    "forms": {"reference", "store", "i18n"},
    "ingest": {"forms", "store", "reference", "i18n", "paths"},
    "present": {"core", "store", "reference", "i18n", "paths"},
    "outputs": {"present", "core", "store", "reference", "i18n"},
    "api": {"core", "present", "store", "reference", "ingest"},
}


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_run_one_way(part):
    files = [PKG / f"{part}.py"] if (PKG / f"{part}.py").exists() else sorted((PKG / part).rglob("*.py"))
    assert files, part
    bad = {}
    for f in files:
        used = {layer(n) for n in imports_of(f)} - {part, ""}
        if used - ALLOWED[part]:
            bad[str(f.relative_to(PKG))] = sorted(used - ALLOWED[part])
    assert bad == {}


def test_the_core_reads_no_file_and_builds_no_markup():
    io_modules = {"openpyxl", "nbformat", "nbconvert", "papermill", "jinja2", "plotly", "filelock", "pyarrow",
                  "jupyter_client", "IPython"}
    for f in sorted((PKG / "core").rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        assert not names & io_modules, (f.name, names & io_modules)
        calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert not calls & {"read_parquet", "read_csv", "read_text", "to_parquet", "load_reference", "load_table"}, f.name


def test_the_runner_uses_no_private_attribute_of_other_libraries():
    for f in sorted((PKG / "run").rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        private = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
                   and not n.attr.startswith("__") and n.attr != "_exit"  # os._exit is public
                   and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))]
        assert private == [], (f.name, private)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_batch_runner_imports_nothing_the_reports_are_made_with():
    """The `run` command's own process plans and collects while its workers boot: it imports neither scipy,
    nor the Excel readers, nor the report pieces (every report's kernel does)."""
    mods = _modules_after("import gender_metrics.run.cli, gender_metrics.run.batch, gender_metrics.outputs.html")
    assert not {"scipy", "openpyxl", "gender_metrics.ingest", "gender_metrics.present.report"} & mods
    assert "scipy" in _modules_after("from gender_metrics.core import stats; stats.value_interval('wilson', [1], [4], 100)")


def test_gm_ingest_is_the_function_and_is_imported_on_first_use():
    mods = _modules_after("import gender_metrics as gm")
    assert "gender_metrics.ingest" not in mods and "pandas" not in mods
    code = ("import gender_metrics as gm, inspect\nimport gender_metrics.ingest\nfrom gender_metrics.ingest import ingest\n"
            "assert inspect.isfunction(gm.ingest) and gm.ingest is ingest, gm.ingest\n"
            "assert gm.IngestError.__module__ == 'gender_metrics.ingest'")
    assert "gender_metrics.ingest" in _modules_after(code)
