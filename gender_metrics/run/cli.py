"""The ``gender-metrics`` command. Exit 0 on success (also with rejected cells, which are reported),
1 on failure (a report that failed; with --strict, any rejection), 2 on wrong usage.

Every command takes ``--review NAME|PATH`` (default: the bundled default review) and ``--lang vi|en``;
every command that reads processed data takes ``--processed DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..i18n import t

LEVELS = ("all", "area", "sector", "province", "national")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gender-metrics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="language of messages, reasons and reports (default vi)")
    common.add_argument("--review", default=None,
                        help="a bundled review by name (default: tong-ket-2011-2020) or the path of a review YAML")

    def add(name, **kw):  # every command takes --lang and --review
        return sub.add_parser(name, parents=[common], **kw)

    s = add("sample", help="write the bundled SAMPLE forms (DỮ LIỆU MẪU) into a folder")
    s.add_argument("--out", type=Path, required=True)

    s = add("forms", help="write blank report forms (.xlsx), one per unit")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--unit", action="append", help="unit code or name (repeatable); default: all")

    s = add("ingest", help="read filled forms into data/processed")
    s.add_argument("--raw", type=Path, default=None, help="folder of filled forms (default data/raw)")
    s.add_argument("--processed", type=Path, default=None, help="output folder (default data/processed)")
    s.add_argument("--strict", action="store_true", help="exit 1 if any cell or file was rejected")
    s.add_argument("--allow-empty", action="store_true",
                   help="write an empty data set when no form is read (refused by default: exit 1, nothing replaced)")

    s = add("feedback", help="one workbook per unit listing what to correct in its form (to send back)")
    s.add_argument("--out", type=Path, required=True, help="folder for the workbooks")
    s.add_argument("--processed", type=Path, default=None)
    s.add_argument("--unit", action="append", help="unit code or name (repeatable); default: every unit that sent a form")

    s = add("progress", help="progress table against the milestone targets")
    s.add_argument("--level", default="all", help="all, area (the review's districts or communes), the area "
                                                  "level's own name, sector, province or national")
    s.add_argument("--out", type=Path, default=None, help="FILE.csv or FILE.xlsx (default: print)")
    s.add_argument("--processed", type=Path, default=None)

    s = add("feasibility", help="feasibility of the next strategy's targets (national and proposed)")
    s.add_argument("--out", type=Path, default=None, help="FILE.csv or FILE.xlsx (default: print)")
    s.add_argument("--processed", type=Path, default=None)
    s.add_argument("--national-only", action="store_true", help="judge only the national targets")

    s = add("packet", help="the conference packet: summary tables of every unit, for printing")
    s.add_argument("--out", type=Path, required=True, help="FILE.xlsx")
    s.add_argument("--processed", type=Path, default=None)

    s = add("run", help="render the reports (papermill + nbconvert) and reports/index.html")
    s.add_argument("--unit", action="append", help="unit code or name (repeatable); default: all")
    s.add_argument("--kind", action="append", help="district (the review's area level), sector, province, "
                                                   "national, feasibility (repeatable)")
    s.add_argument("--jobs", type=int, default=None, help="parallel processes (default: one per core)")
    s.add_argument("--out", type=Path, default=None, help="reports folder (default reports/)")
    s.add_argument("--processed", type=Path, default=None)
    s.add_argument("--force", action="store_true", help="re-run reports whose inputs did not change")
    s.add_argument("--self-contained", action="store_true", help="embed plotly.js in each report (for e-mail)")
    s.add_argument("--wall-limit", type=float, default=600.0, help="seconds allowed per report (default 600)")
    s.add_argument("--scheduler", default=None, help="address of a Dask scheduler to run the reports on")
    return p


def main(argv: list[str] | None = None) -> int:
    from ..reference import ReviewError, UnitError
    from ..store import Busy, StoreError

    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except Busy as exc:
        print(f"gender-metrics {args.command}: {exc}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError, ReviewError, StoreError) as exc:  # UnitError is a ValueError
        text = exc.text(args.lang) if isinstance(exc, UnitError) else exc
        print(f"gender-metrics {args.command}: {text}", file=sys.stderr)
        return 2


def _forget_interrupt() -> None:
    """The interrupt is handled: exit with status 130, not by the signal.

    CPython 3.11 marks a KeyboardInterrupt that escapes an ``exec`` of source text (dataclasses and
    namedtuples build their methods that way) as unhandled, even when the caller catches it, and then
    kills the process with SIGINT at exit. Executing empty source clears that mark."""
    exec("")


def _review(args) -> str:
    from ..reference import default_name

    return args.review or default_name()


def _ref(args):
    from ..reference import load_reference

    return load_reference(_review(args))


def _data(args):
    """The data set of ``--processed`` (refused when it holds another review than ``--review``)."""
    from ..present.data import dataset

    return dataset(args.processed, _review(args), args.lang)


def _sample(args) -> int:
    from ..forms.sample import generate_sample

    paths = generate_sample(args.out, reference=_ref(args))
    print(t("cli_sample_written", args.lang, n=len(paths), out=args.out))
    return 0


def _forms(args) -> int:
    from ..forms import write_forms

    ref = _ref(args)
    codes = [ref.units.resolve(u) for u in args.unit] if args.unit else None
    paths = write_forms(args.out, codes, reference=ref)
    print(t("cli_forms_written", args.lang, n=len(paths), out=args.out))
    return 0


def _ingest(args) -> int:
    from ..ingest import EmptyIngestError, IngestError, ingest

    try:
        result = ingest(args.raw, args.processed, reference=_ref(args), strict=args.strict,
                        progress=sys.stderr.isatty(), lang=args.lang, allow_empty=args.allow_empty)
    except EmptyIngestError as exc:
        print(f"gender-metrics ingest: {exc}", file=sys.stderr)
        return 1
    except IngestError as exc:
        print(exc)
        return 1
    print(result.summary())
    return 0


def _progress(args) -> int:
    ds = _data(args)
    prog = ds.progress
    level = ds.ref.units.area_level if args.level == "area" else args.level
    allowed = {"all", ds.ref.units.area_level, "sector", "province", "national"}
    if level not in allowed:
        raise ValueError(f"--level must be one of {sorted(allowed | {'area'})}, not {args.level!r}")
    if level != "all":
        prog = prog[prog.level == level]
    return _write_table(prog, args.out, ["unit", "indicator", "breakdown", "milestone", "target_op", "target",
                                         "value", "status", "pace"], args.lang)


def _packet(args) -> int:
    from ..core.narrative import narrative_of
    from ..outputs.packet import write_packet
    from ..store import locked

    if args.out.suffix.lower() != ".xlsx":
        raise ValueError(t("cli_out_suffix", args.lang, expected=".xlsx", name=repr(args.out.name)))
    ds = _data(args)
    assessment = narrative_of(ds.ref.province, ds.progress, ds.narratives, ds.ref, args.lang)
    with locked(args.out.resolve().parent, t("busy", args.lang, out=args.out.resolve().parent)):
        path = write_packet(args.out, ds.progress, ds.ref, lang=args.lang, sample=ds.sample, assessment=assessment)
    print(t("cli_packet_written", args.lang, path=path))
    return 0


def _write_table(df, out: Path | None, cols: list[str], lang: str) -> int:
    from ..store import atomic_path, safe_frame

    if out is None:
        print(df[cols].to_string(index=False))
        return 0
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(t("cli_out_suffix", lang, expected=".csv / .xlsx", name=repr(out.name)))
    df = safe_frame(df)  # text a spreadsheet would run as a formula is written as text
    with atomic_path(out) as tmp:
        if suffix == ".xlsx":
            df.to_excel(tmp, index=False, engine="openpyxl")
        else:
            df.to_csv(tmp, index=False, encoding="utf-8")
    print(t("cli_rows_written", lang, n=len(df), out=out))
    return 0


def _feasibility(args) -> int:
    ds = _data(args)
    f = ds.feasibility
    if args.national_only:
        f = f[f.target_kind == "national"]
    return _write_table(f, args.out, ["unit", "indicator", "year", "target_kind", "target_op", "target", "last_value",
                                      "projected", "p_met", "k", "verdict", "below_national"], args.lang)


def _feedback(args) -> int:
    from ..outputs.feedback import write_feedback
    from ..store import load_manifest, load_table

    ds = _data(args)    # refuses a folder of another review, in the user's language
    names = ("ingest_report", "blanks", "proposed_targets", "submissions")
    tables = {n: load_table(n, args.processed, args.lang) for n in names}
    units = [ds.ref.units.resolve(u) for u in args.unit] if args.unit else None
    written = write_feedback(args.out, tables, load_manifest(args.processed, args.lang), ds.ref, args.lang, units)
    print(t("fb_written", args.lang, n=len(written), out=args.out, k=sum(1 for _, n in written if n)))
    return 0


def _run(args) -> int:
    from ..store import load_table
    from .batch import plan, run

    L = args.lang
    if load_table("submissions", args.processed, L).empty:   # an empty data set: no report would say anything
        print(f"gender-metrics run: {t('run_no_submissions', L, processed=args.processed or 'data/processed')}",
              file=sys.stderr)
        return 1
    jobs = plan(args.unit, args.kind, lang=L, processed_dir=args.processed, out_dir=args.out, review=_review(args))
    try:
        results = run(jobs, n_jobs=args.jobs, force=args.force, wall_limit=args.wall_limit,
                      scheduler=args.scheduler, self_contained=args.self_contained)
    except KeyboardInterrupt:
        print(f"gender-metrics run: {t('run_interrupted', L)}", file=sys.stderr)
        _forget_interrupt()
        return 130
    failed = [r for r in results if r.status == "failed"]
    width = max((len(r.label) for r in results), default=10)
    col = {k: t(f"run_col_{k}", L) for k in ("unit", "kind", "status", "seconds", "report")}
    print(f"{col['unit']:<{width}}  {col['kind']:<11} {col['status']:<8} {col['seconds']:>7}  {col['report']}")
    for r in results:
        where = r.html if r.status != "failed" else f"{r.notebook}  {r.error}"
        print(f"{r.label:<{width}}  {t(f'run_kind_{r.kind}', L):<11} {t(f'run_status_{r.status}', L):<8} "
              f"{r.seconds:7.1f}  {where}")
    out = Path(jobs[0].out_dir) if jobs else None
    ok = sum(r.status != "failed" for r in results)
    print(t("run_ready", L, ok=ok, total=len(results), index=out / "index.html" if out else "-"))
    return 1 if failed else 0


_COMMANDS = {"sample": _sample, "forms": _forms, "ingest": _ingest, "progress": _progress,
             "feasibility": _feasibility, "packet": _packet, "run": _run, "feedback": _feedback}

if __name__ == "__main__":
    sys.exit(main())
