"""`balanced-pipeline` command line: the demo run, a year's run, certification, demo data and the workbook template."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from balanced_pipeline import settings


def current_year() -> int:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).year


def run_years(years: list[int], verbose: bool = False) -> None:
    """Materialise every asset for each year, in order, on the Dagster instance of DAGSTER_HOME: one
    progress line per stage on the console, the event log in a file; a failed run explains itself and
    exits non-zero."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    import dagster as dg

    from balanced_pipeline.definitions import ANNUAL_JOB, defs
    from balanced_pipeline.wiring.console import RunConsole, elapsed_text, failure_text, step_stages
    from balanced_pipeline.wiring.execution import execute_year

    log_file = settings.data_dir() / "logs" / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    print(f"— Dagster event log 运行日志: {log_file}" + ("" if verbose else "  (--verbose streams it)"), flush=True)
    with RunConsole(log_file, verbose) as console, dg.DagsterInstance.get() as instance:
        job = defs.resolve_job_def(ANNUAL_JOB).with_logger_defs(console.logger_defs())
        stages = step_stages(job)
        for year in years:
            started = time.perf_counter()
            console.start_run(f"— {year}: materialising every asset 物化全部资产", stages)
            try:
                result = execute_year(job, str(year), instance, console.run_config())
            finally:
                console.end_run()
            if not result.success:
                print(failure_text(result, year, log_file), file=sys.stderr, flush=True)
                raise SystemExit(1)
            print(f"  ✓ {year}: run {result.run_id} succeeded in {elapsed_text(started)}", flush=True)


def print_summary(year: int) -> None:
    from balanced_pipeline.report.summary import year_summary
    from balanced_pipeline.warehouse.store import Warehouse

    print(year_summary(Warehouse(settings.warehouse_url()), year))


def command_demo(args: argparse.Namespace) -> None:
    from balanced_pipeline.demo.generate import generate_demo_submissions

    years = [args.year - 1, args.year]
    if settings.uses_demo_submissions():
        root = settings.demo_submissions_dir()
        print(f"— writing demo submissions for {years} to {root}", flush=True)
        generate_demo_submissions(root, years=years, schools=args.schools, seed=args.seed)
    run_years(years, args.verbose)
    print_summary(args.year)


def command_run(args: argparse.Namespace) -> None:
    run_years(args.years, args.verbose)
    print_summary(args.years[-1])


def command_certify(args: argparse.Namespace) -> None:
    """Certify a year, or exit 1 listing what blocks it (DATA_CONTRACT: `certify YEAR --by NAME`)."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home()))
    import dagster as dg

    from balanced_pipeline.monitoring.certification import CertificationRefused
    from balanced_pipeline.standards.loader import load_standards
    from balanced_pipeline.warehouse.store import Warehouse
    from balanced_pipeline.wiring.certify import certify

    with dg.DagsterInstance.get() as instance:
        try:
            row = certify(instance, Warehouse(settings.warehouse_url()), load_standards(settings.standards_name()),
                          args.year, args.by, args.reason)
        except CertificationRefused as refused:
            print(refused, file=sys.stderr)
            sys.exit(1)
    print(f"{args.year} 已认定 / certified by {row['certified_by']} at {row['certified_at']:%Y-%m-%d %H:%M} UTC "
          f"(certification {row['sequence']}, run {row['run_id']}, standards {row['standards_version']}): "
          f"{row['ready_counties']} of {row['counties']} counties ready, {row['input_files']} input files hashed; "
          f"the year's tables are frozen in certified_<table>")


def command_demo_data(args: argparse.Namespace) -> None:
    from balanced_pipeline.demo.generate import MANIFEST_NAME, generate_demo_submissions, national_counties

    root = Path(args.root)
    counties = national_counties(args.schools) if args.counties == "national" else (
        None if args.counties is None else int(args.counties))
    manifest = generate_demo_submissions(root, years=args.years, schools=args.schools, seed=args.seed,
                                         counties=counties)
    for year, summary in manifest["years"].items():
        print(f"{root / year}: " + ", ".join(f"{name} {info['rows']}" for name, info in summary["files"].items()))
    print(f"{len(manifest['broken_rows'])} broken rows listed in {root / MANIFEST_NAME}")


def command_template(args: argparse.Namespace) -> None:
    from balanced_pipeline.intake.template import write_template

    write_template(Path(args.out), year=args.year)
    print(f"wrote the campus workbook template for {args.year} to {args.out}")


def command_tables(args: argparse.Namespace) -> None:
    from balanced_pipeline.warehouse.dictionary import table_dictionary

    text = table_dictionary()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the table dictionary to {args.out}")
    else:
        print(text)


def command_benchmark(args: argparse.Namespace) -> None:
    from balanced_pipeline.demo.benchmark import main as benchmark

    benchmark(args.schools, args.counties)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="balanced-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="stream Dagster's event log and show full tracebacks of errors")

    demo = commands.add_parser("demo", parents=[common], help="generate demo data, run the last two years end to end, print the summary")
    demo.add_argument("--year", type=int, default=current_year())
    demo.add_argument("--schools", type=int, default=300, help="campuses in the demo city")
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(handler=command_demo)

    run = commands.add_parser("run", parents=[common], help="materialise every asset for the given years from BALANCED_SUBMISSIONS_DIR")
    run.add_argument("years", type=int, nargs="+")
    run.set_defaults(handler=command_run)

    certify = commands.add_parser("certify", parents=[common], help="certify a year (refused, with the blockers, while a county is "
                                                 "incomplete or a required warning is open)")
    certify.add_argument("year", type=int)
    certify.add_argument("--by", required=True, help="who certifies (name)")
    certify.add_argument("--reason", default="", help="why, when the year was certified before")
    certify.set_defaults(handler=command_certify)

    data = commands.add_parser("demo-data", parents=[common], help="write deterministic demo submissions (bulk files) to a folder")
    data.add_argument("--root", required=True)
    data.add_argument("--years", type=int, nargs="+", default=[current_year() - 1, current_year()])
    data.add_argument("--schools", type=int, default=300)
    data.add_argument("--seed", type=int, default=2026)
    data.add_argument("--counties", help="counties (default: the demo city's seven); a number, or 'national' "
                                         "for ~70 campuses a county with the city's profiles repeated")
    data.set_defaults(handler=command_demo_data)

    template = commands.add_parser("template", parents=[common], help="write the per-campus Excel workbook template")
    template.add_argument("--out", required=True)
    template.add_argument("--year", type=int, default=current_year())
    template.set_defaults(handler=command_template)

    tables = commands.add_parser("tables", parents=[common], help="print (or write) the table dictionary generated from the catalogue")
    tables.add_argument("--out", help="file to write, e.g. docs/TABLES.md")
    tables.set_defaults(handler=command_tables)

    benchmark = commands.add_parser("benchmark", parents=[common], help="run the real job on generated data and time it against a DuckDB floor")
    benchmark.add_argument("--schools", type=int, default=20000)
    benchmark.add_argument("--counties", type=int, help="default: about 70 campuses a county")
    benchmark.set_defaults(handler=command_benchmark)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except Exception as error:  # a failed run exits through SystemExit with its own explanation
        if args.verbose:
            raise
        from balanced_pipeline.wiring.console import unexpected_error_text

        print(unexpected_error_text(args.command, error), file=sys.stderr, flush=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    sys.exit(main())
