"""The ``gender-metrics`` command. Exit 0 on success (also with rejected cells, which are reported),
1 on failure (a report that failed; with --strict, any rejection), 2 on wrong usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .i18n import t

LEVELS = ("district", "sector", "province", "national", "all")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gender-metrics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="language of messages, reasons and reports (default vi)")

    def add(name, **kw):  # every command takes --lang
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

    s = add("progress", help="progress table against the 2015/2020 targets")
    s.add_argument("--level", choices=LEVELS, default="all")
    s.add_argument("--out", type=Path, default=None, help="FILE.csv or FILE.xlsx (default: print)")
    s.add_argument("--processed", type=Path, default=None)

    s = add("feasibility", help="feasibility of the 2021-2030 targets (national and proposed)")
    s.add_argument("--out", type=Path, default=None, help="FILE.csv or FILE.xlsx (default: print)")
    s.add_argument("--processed", type=Path, default=None)
    s.add_argument("--national-only", action="store_true", help="judge only the national targets")

    s = add("packet", help="the conference packet: summary tables of every unit, for printing")
    s.add_argument("--out", type=Path, required=True, help="FILE.xlsx")
    s.add_argument("--processed", type=Path, default=None)

    s = add("run", help="render the reports (papermill + nbconvert) and reports/index.html")
    s.add_argument("--unit", action="append", help="unit code or name (repeatable); default: all")
    s.add_argument("--kind", action="append", choices=("district", "sector", "province", "national", "feasibility"))
    s.add_argument("--jobs", type=int, default=None, help="parallel processes (default: one per core)")
    s.add_argument("--out", type=Path, default=None, help="reports folder (default reports/)")
    s.add_argument("--processed", type=Path, default=None)
    s.add_argument("--force", action="store_true", help="re-run reports whose inputs did not change")
    s.add_argument("--self-contained", action="store_true", help="embed plotly.js in each report (for e-mail)")
    s.add_argument("--wall-limit", type=float, default=600.0, help="seconds allowed per report (default 600)")
    s.add_argument("--scheduler", default=None, help="address of a Dask scheduler to run the reports on")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError) as exc:  # UnitError is a ValueError
        from .units import UnitError

        text = exc.text(getattr(args, "lang", "vi")) if isinstance(exc, UnitError) else exc
        print(f"gender-metrics {args.command}: {text}", file=sys.stderr)
        return 2


def _sample(args) -> int:
    from .sample import generate_sample

    paths = generate_sample(args.out)
    print(t("cli_sample_written", args.lang, n=len(paths), out=args.out))
    return 0


def _forms(args) -> int:
    from .forms import write_forms
    from .units import resolve_unit

    codes = [resolve_unit(u) for u in args.unit] if args.unit else None
    paths = write_forms(args.out, codes)
    print(t("cli_forms_written", args.lang, n=len(paths), out=args.out))
    return 0


def _ingest(args) -> int:
    from .ingest import IngestError, ingest

    try:
        result = ingest(args.raw, args.processed, strict=args.strict, progress=sys.stderr.isatty(), lang=args.lang)
    except IngestError as exc:
        print(exc)
        return 1
    print(result.summary())
    return 0


def _progress(args) -> int:
    from .ingest import load_observations
    from .progress import progress

    prog = progress(load_observations(args.processed, args.lang))
    if args.level != "all":
        prog = prog[prog.level == args.level]
    return _write_table(prog, args.out, ["unit", "indicator", "breakdown", "milestone", "target_op", "target",
                                         "value", "status", "pace"], args.lang)


def _packet(args) -> int:
    from .ingest import load_manifest, load_observations, load_table
    from .narrative import narrative_of
    from .packet import write_packet
    from .progress import plain, progress

    if args.out.suffix.lower() != ".xlsx":
        raise ValueError(t("cli_out_suffix", args.lang, expected=".xlsx", name=repr(args.out.name)))
    sample = bool(load_manifest(args.processed, args.lang).get("sample_units"))
    prog = plain(progress(load_observations(args.processed, args.lang)))
    assessment = narrative_of("42", prog, load_table("narratives", args.processed, args.lang), args.lang)
    path = write_packet(args.out, prog, lang=args.lang, sample=sample, assessment=assessment)
    print(t("cli_packet_written", args.lang, path=path))
    return 0


def _write_table(df, out: Path | None, cols: list[str], lang: str) -> int:
    from .packet import safe_frame

    if out is None:
        print(df[cols].to_string(index=False))
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    df = safe_frame(df)  # text a spreadsheet would run as a formula is written as text
    if out.suffix.lower() == ".xlsx":
        df.to_excel(out, index=False)
    elif out.suffix.lower() == ".csv":
        df.to_csv(out, index=False, encoding="utf-8")
    else:
        raise ValueError(t("cli_out_suffix", lang, expected=".csv / .xlsx", name=repr(out.name)))
    print(t("cli_rows_written", lang, n=len(df), out=out))
    return 0


def _feasibility(args) -> int:
    import pandas as pd

    from .feasibility import feasibility
    from .ingest import load_observations, load_proposed_targets

    obs = load_observations(args.processed, args.lang)
    frames = [feasibility(obs).assign(target_kind="national")]
    if not args.national_only:
        prop = load_proposed_targets(args.processed, args.lang)
        if not prop.empty:
            frames.append(feasibility(obs, prop[["unit", "indicator", "year", "value"]]).assign(target_kind="proposed"))
    f = pd.concat(frames, ignore_index=True)
    return _write_table(f, args.out, ["unit", "indicator", "year", "target_kind", "target_op", "target", "last_value",
                                      "projected", "p_met", "k", "verdict", "below_national"], args.lang)


def _run(args) -> int:
    from .batch import BatchLocked, plan, run

    L = args.lang

    jobs = plan(args.unit, args.kind, lang=args.lang, processed_dir=args.processed, out_dir=args.out)
    try:
        results = run(jobs, n_jobs=args.jobs, force=args.force, wall_limit=args.wall_limit,
                      scheduler=args.scheduler, self_contained=args.self_contained)
    except BatchLocked as exc:
        print(f"gender-metrics run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"gender-metrics run: {t('run_interrupted', L)}", file=sys.stderr)
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
             "feasibility": _feasibility, "packet": _packet, "run": _run}

if __name__ == "__main__":
    sys.exit(main())
