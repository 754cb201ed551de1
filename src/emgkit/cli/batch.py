"""``emgkit batch``: analyse many sessions on a local process pool or a Dask cluster.

Only argparse is imported at module level; the handler imports pandas, the analysis and Dask.
"""

from __future__ import annotations

import argparse
import sys

from emgkit.cli._args import Handler, add_montage, add_protocol

_EPILOG = """\
examples:
  emgkit batch 'study/**/*.bdf' --out results.parquet
  emgkit batch study/ --out results.parquet --csv --report cohort.html
  emgkit batch 'raw/*.txt' --montage bridge6 --out r.parquet --workers 2
  emgkit batch 'study/*.bdf' --out r.parquet --scheduler tcp://10.0.0.5:8786
  emgkit batch 'study/*.bdf' --out r.parquet --dask-local 2      (loopback test cluster)
  emgkit batch 'study/*.bdf' --out r.parquet --param rms_window=0.05 --param band=[20,400]

Results are cached per session in OUT.cache/ (content hash + settings + emgkit version):
re-running skips sessions already analysed with the same settings and resumes a crashed run.
Quote globs so the shell does not expand them. Failed sessions are listed in
OUT-stem.errors.csv; the exit code is 0 if at least one session was analysed.
"""


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:
    """Add ``batch``."""
    p = sub.add_parser(
        "batch",
        help="analyse many sessions (local process pool or Dask cluster) into one table",
        description=(
            "Analyse every session (any supported format) with the same settings and write one "
            "tidy table (session, subject, date, trial, muscle, side, metric, value) as Parquet, "
            "with the emgkit version and every analysis parameter in the schema metadata."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", help="session files, folders or quoted globs")
    p.add_argument("--out", required=True, help="results file (.parquet)")
    p.add_argument("--csv", action="store_true", help="also write the results as CSV")
    engine = p.add_mutually_exclusive_group()
    engine.add_argument("--scheduler", help="run on a Dask cluster: tcp://HOST:PORT")
    engine.add_argument(
        "--dask-local",
        type=int,
        metavar="N",
        help="start a loopback Dask LocalCluster with N worker processes (for testing)",
    )
    engine.add_argument(
        "--serial", action="store_true", help="analyse in this process, one after another"
    )
    p.add_argument("--workers", type=int, help="local pool size (default: CPUs available)")
    add_montage(p)
    add_protocol(p)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="analysis parameter (repeatable), e.g. rms_window=0.05 or band=[20,400]",
    )
    p.add_argument("--cache", help="cache folder (default: OUT.cache next to --out)")
    p.add_argument("--no-cache", action="store_true", help="analyse everything again")
    p.add_argument("--report", metavar="HTML", help="also write a cohort report (HTML)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    table["batch"] = _batch


def _parse_params(items: list[str]) -> dict[str, object]:
    import ast

    from emgkit.errors import ConfigError

    out: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--param {item!r}: write NAME=VALUE, e.g. --param rms_window=0.05")
        try:
            value: object = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        out[name.strip()] = value
    return out


def _batch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from emgkit.app.batch import analyze_many, write_results
    from emgkit.errors import ConfigError

    out = Path(args.out)
    cache = None if args.no_cache else Path(args.cache or out.with_name(out.name + ".cache"))
    params = _parse_params(args.param)
    kw: dict[str, object] = {
        "workers": args.workers,
        "montage": args.montage,
        "protocol": args.protocol,
        "params": params,
        "cache_dir": cache,
        "progress": not args.no_progress,
    }
    cluster = client = None
    try:
        if args.dask_local is not None:
            if args.dask_local < 1:
                raise ConfigError("--dask-local N needs N >= 1 workers")
            try:
                from distributed import Client, LocalCluster
            except ImportError as exc:
                raise ConfigError(
                    "--dask-local needs dask.distributed: pip install 'emgkit[dask]'"
                ) from exc
            cluster = LocalCluster(
                n_workers=args.dask_local,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
            kw["client"] = client
        elif args.scheduler:
            kw["scheduler"] = args.scheduler
        elif args.serial:
            kw["engine"] = "serial"
        res = analyze_many(args.paths, **kw)  # type: ignore[arg-type]
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    written = write_results(res, out, csv=args.csv)
    if args.report:
        from emgkit.report.cohort import cohort_report

        written.append(
            cohort_report(res.results, args.report, errors=res.errors, settings=res.settings)
        )
    print(
        f"{len(res.sessions)} sessions: {res.n_analysed} analysed, {res.n_cached} from cache, "
        f"{len(res.errors)} failed; {len(res.results)} result rows",
        file=sys.stdout,
    )
    for _, e in res.errors.iterrows():
        print(f"  failed: {e['path']}: {e['error_type']}: {e['message']}", file=sys.stdout)
    for w in written:
        print(f"wrote {w}", file=sys.stdout)
    ok = res.n_analysed + res.n_cached
    if ok == 0 and len(res.sessions):
        print("emgkit batch: error: no session could be analysed", file=sys.stderr)
        return 2
    return 0
