"""The ``gender-metrics`` command. Exit 0 on success (also with rejected cells, which are reported),
1 on failure (a report that failed; with --strict, any rejection), 2 on wrong usage.

Every command takes ``--review NAME|PATH`` (default: the bundled default review) and ``--lang vi|en``;
every command that reads processed data takes ``--processed DIR``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from ..i18n import LANGS, messages, t

LEVELS = ("all", "area", "sector", "province", "national")


class _Formatter(argparse.HelpFormatter):
    """Help text with its "usage:" in the user's language."""

    lang = "vi"

    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse asks for no prefix ("") when it builds a command's name: keep that as asked
        return super().add_usage(usage, actions, groups, t("cli_usage", self.lang) if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse's errors in the user's language (the messages it builds are read back by their English
    wording, see ``argparse`` in the i18n files)."""

    lang = "vi"

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, t("cli_error", self.lang, prog=self.prog, message=translate_argparse(message, self.lang)) + "\n")


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]|%[sr]")


def translate_argparse(message: str, lang: str) -> str:
    """One of argparse's messages in ``lang``: its English wording matched against the i18n table
    (``argparse``: English format -> translated format), the inner message of "argument X: ..." too."""
    for english, local in (messages(lang).get("argparse") or {}).items():
        names, parts, last = [], [], 0
        for i, m in enumerate(_PLACEHOLDER.finditer(english)):
            parts += [re.escape(english[last:m.start()]), f"(?P<g{i}>.+?)"]
            names.append(m.group(1))
            last = m.end()
        m = re.fullmatch("".join(parts) + re.escape(english[last:]), message, re.S)
        if not m:
            continue
        values = [translate_argparse(m.group(f"g{i}"), lang) if n == "message" else m.group(f"g{i}")
                  for i, n in enumerate(names)]
        return _fill(local, names, values)
    return message


def _fill(text: str, names: list, values: list[str]) -> str:
    """``text`` with its %(name)s placeholders by name, its bare %s ones in order."""
    by_name = {n: v for n, v in zip(names, values, strict=True) if n}
    in_order = iter(v for n, v in zip(names, values, strict=True) if not n)
    return _PLACEHOLDER.sub(lambda p: by_name[p.group(1)] if p.group(1) else next(in_order), text)


def _parser(lang: str = "vi") -> argparse.ArgumentParser:
    """The command line, its help and errors in ``lang`` (the ``--lang`` given, read before parsing)."""
    def H(key: str, **kw) -> str:
        return t("cli_h_" + key, lang, **kw)

    fmt = type("Formatter", (_Formatter,), {"lang": lang})
    parser_class = type("Parser", (_Parser,), {"lang": lang})
    p = parser_class(prog="gender-metrics", description=H("description"), add_help=False, formatter_class=fmt)
    p.add_argument_group(H("options")).add_argument("-h", "--help", action="help", help=H("help"))
    sub = p.add_subparsers(dest="command", required=True, title=H("commands"), metavar="COMMAND",
                           parser_class=parser_class)

    def add(name):
        """A command: its help is cli_h_<name>; its options (--lang and --review for every one) in one group."""
        s = sub.add_parser(name, help=H(name), description=H(name), add_help=False, formatter_class=fmt)
        g = s.add_argument_group(H("options"))
        g.add_argument("-h", "--help", action="help", help=H("help"))
        g.add_argument("--lang", choices=("vi", "en"), default="vi", help=H("lang"))
        g.add_argument("--review", default=None, help=H("review"))
        return g

    s = add("sample")
    s.add_argument("--out", type=Path, required=True, help=H("out_folder"))

    s = add("forms")
    s.add_argument("--out", type=Path, required=True, help=H("out_folder"))
    s.add_argument("--unit", action="append", help=H("unit"))

    s = add("ingest")
    s.add_argument("--raw", type=Path, default=None, help=H("raw"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed_out"))
    s.add_argument("--strict", action="store_true", help=H("strict"))
    s.add_argument("--allow-empty", action="store_true", help=H("allow_empty"))

    s = add("feedback")
    s.add_argument("--out", type=Path, required=True, help=H("out_folder"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))
    s.add_argument("--unit", action="append", help=H("feedback_unit"))

    s = add("progress")
    s.add_argument("--level", default="all", help=H("level"))
    s.add_argument("--out", type=Path, default=None, help=H("out_table"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))

    s = add("feasibility")
    s.add_argument("--out", type=Path, default=None, help=H("out_table"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))
    s.add_argument("--national-only", action="store_true", help=H("national_only"))

    s = add("packet")
    s.add_argument("--out", type=Path, required=True, help=H("out_xlsx"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))

    s = add("document")
    s.add_argument("--out", type=Path, required=True, help=H("out_docx"))
    s.add_argument("--unit", default=None, help=H("document_unit"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))

    s = add("brief")
    s.add_argument("--out", type=Path, required=True, help=H("out_brief"))
    s.add_argument("--no-pdf", action="store_true", help=H("no_pdf"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))

    s = add("run")
    s.add_argument("--unit", action="append", help=H("unit"))
    s.add_argument("--kind", action="append", help=H("kind"))
    s.add_argument("--jobs", type=int, default=None, help=H("jobs"))
    s.add_argument("--out", type=Path, default=None, help=H("out_reports"))
    s.add_argument("--processed", type=Path, default=None, help=H("processed"))
    s.add_argument("--force", action="store_true", help=H("force"))
    s.add_argument("--self-contained", action="store_true", help=H("self_contained"))
    s.add_argument("--pdf", action="store_true", help=H("pdf"))
    s.add_argument("--wall-limit", type=float, default=600.0, help=H("wall_limit"))
    s.add_argument("--scheduler", default=None, help=H("scheduler"))
    s.add_argument("--context-processed", type=Path, default=None, help=H("context_processed"))
    return p


def _lang_of(argv: list[str]) -> str:
    """The --lang of a command line, read before argparse builds its help in that language."""
    for i, a in enumerate(argv):
        value = a.split("=", 1)[1] if a.startswith("--lang=") else (argv[i + 1] if a == "--lang" and
                                                                    i + 1 < len(argv) else None)
        if value in LANGS:
            return value
    return "vi"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _lang_of(argv)
    args = _parser(lang).parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except BrokenPipeError:   # `gender-metrics progress | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:   # the errors a user can act on, in words; the classes imported only now
        from ..locking import Busy
        from ..reference import ReviewError, UnitError
        from ..store import StoreError

        if isinstance(exc, Busy):
            print(f"gender-metrics {args.command}: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, ValueError | FileNotFoundError | ReviewError | StoreError):  # UnitError is a ValueError
            text = exc.text(args.lang) if isinstance(exc, UnitError) else exc
            print(f"gender-metrics {args.command}: {text}", file=sys.stderr)
            return 2
        raise


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
    from ..present.views import progress_export

    ds = _data(args)
    prog = ds.progress
    level = ds.ref.units.area_level if args.level == "area" else args.level
    allowed = ["all", "area", ds.ref.units.area_level, "sector", "province", "national"]
    if level not in allowed:
        raise ValueError(t("cli_bad_level", args.lang, choices=", ".join(allowed), level=args.level))
    if level != "all":
        prog = prog[prog.level == level]
    return _write_table(progress_export(prog, ds.ref, args.lang, ds.sample), args.out, args.lang)


def _packet(args) -> int:
    from ..core.narrative import narrative_of
    from ..outputs.packet import write_packet

    _expect_suffix(args, ".xlsx")
    ds = _data(args)
    assessment = narrative_of(ds.ref.province, ds.progress, ds.narratives, ds.ref, args.lang)
    with _writing(args):
        path = write_packet(args.out, ds.progress, ds.ref, lang=args.lang, sample=ds.sample, assessment=assessment,
                            dataset=ds)
    print(t("cli_packet_written", args.lang, path=path))
    return 0


def _expect_suffix(args, suffix: str) -> None:
    """``--out`` must name a file of the kind the command writes."""
    if args.out.suffix.lower() != suffix:
        raise ValueError(t("cli_out_suffix", args.lang, expected=suffix, name=repr(args.out.name)))


def _writing(args):
    """The lock of ``--out``'s folder: one command writes into it at a time."""
    from ..store import locked

    folder = args.out.resolve().parent
    return locked(folder, t("busy", args.lang, out=folder))


def _document(args) -> int:
    from ..outputs.document import write_document
    from ..present.annex import draft_document

    _expect_suffix(args, ".docx")
    ds = _data(args)
    unit = ds.ref.units.resolve(args.unit) if args.unit else ds.ref.province
    draft = draft_document(ds, unit, args.lang)
    with _writing(args):
        path = write_document(args.out, draft)
    print(t("cli_document_written", args.lang, path=path))
    return 0


def _brief(args) -> int:
    import subprocess

    from ..outputs.brief import ChromiumMissing, write_brief
    from ..present.annex import leader_summary
    from ..present.pages import provenance_text

    _expect_suffix(args, ".html")
    ds = _data(args)
    provenance = provenance_text(ds.manifest["data_hash"], ds.manifest, args.lang)
    try:
        with _writing(args):
            paths = write_brief(args.out, leader_summary(ds, args.lang), lang=args.lang, pdf=not args.no_pdf,
                                provenance=provenance)
    except ChromiumMissing:
        print(f"gender-metrics brief: {t('cli_no_chromium', args.lang)}", file=sys.stderr)
        return 1
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"gender-metrics brief: {t('cli_pdf_failed', args.lang, error=exc)}", file=sys.stderr)
        return 1
    print(t("cli_brief_written", args.lang, paths=", ".join(map(str, paths))))
    return 0


def _write_table(df, out: Path | None, lang: str) -> int:
    from ..store import atomic_path, safe_frame

    if out is None:
        print(df.to_string(index=False))
        return 0
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(t("cli_out_suffix", lang, expected=".csv / .xlsx", name=repr(out.name)))
    df = safe_frame(df)  # text a spreadsheet would run as a formula is written as text
    with atomic_path(out) as tmp:
        if suffix == ".xlsx":
            df.to_excel(tmp, index=False, engine="openpyxl")
        else:
            df.to_csv(tmp, index=False, encoding="utf-8-sig")   # Excel on Windows reads the BOM as UTF-8
    print(t("cli_rows_written", lang, n=len(df), out=out))
    return 0


def _feasibility(args) -> int:
    from ..present.views import feasibility_export

    ds = _data(args)
    f = ds.feasibility
    if args.national_only:
        f = f[f.target_kind == "national"]
    return _write_table(feasibility_export(f, ds.ref, args.lang, ds.sample), args.out, args.lang)


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
    from ..present.pages import index_name
    from ..store import load_table  # pandas, imported before the workers start: they share it
    from .batch import Batch, plan

    L = args.lang
    if load_table("submissions", args.processed, L).empty:   # an empty data set: no report would say anything
        print(f"gender-metrics run: {t('run_no_submissions', L, processed=args.processed or 'data/processed')}",
              file=sys.stderr)
        return 1
    try:
        with Batch(args.out, n_jobs=args.jobs, scheduler=args.scheduler, lang=L) as batch:
            if (args.force or not batch.has_state()) and not args.unit and not args.kind:
                # every report will be made: the workers and their kernels boot while this process plans
                batch.start(args.review)   # (None: the default review, as _review says)
            jobs = plan(args.unit, args.kind, lang=L, processed_dir=args.processed, out_dir=batch.out,
                        review=_review(args), context_processed=args.context_processed)
            results = batch.run(jobs, force=args.force, wall_limit=args.wall_limit, self_contained=args.self_contained,
                                pdf=args.pdf)
    except KeyboardInterrupt:
        print(f"gender-metrics run: {t('run_interrupted', L)}", file=sys.stderr)
        _forget_interrupt()
        return 130
    except Exception as exc:
        from ..outputs.pdf import NoBrowser

        if not isinstance(exc, NoBrowser):
            raise
        print(f"gender-metrics run: {exc}", file=sys.stderr)
        return 1
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
    print(t("run_ready", L, ok=ok, total=len(results), index=out / index_name(L) if out else "-"))
    return 1 if failed else 0


_COMMANDS = {"sample": _sample, "forms": _forms, "ingest": _ingest, "progress": _progress,
             "feasibility": _feasibility, "packet": _packet, "document": _document, "brief": _brief, "run": _run,
             "feedback": _feedback}

if __name__ == "__main__":
    sys.exit(main())
