"""Analyse many sessions with the same settings: a local process pool or a Dask cluster.

>>> from emgkit.app.batch import analyze_many
>>> res = analyze_many(["data/*.bdf"], cache_dir="results.cache")  # doctest: +SKIP
>>> res.results.head()  # doctest: +SKIP

Every session gives rows of one tidy table (session, subject, date, trial, muscle, side, metric,
value); a session that fails is recorded in ``errors`` (path, error type, message) and the batch
goes on. With ``cache_dir`` each analysed session is kept as one Parquet file named after a key
made of the file's content hash, every analysis setting and the emgkit version: re-running skips
sessions already analysed with the same settings and picks up where a crashed run stopped. See
``docs/batch.md``.

One concern per module:

- :mod:`~emgkit.app.batch.discover`: paths, folders and globs to session files; unique ids;
- :mod:`~emgkit.app.batch.keys`: settings as JSON and the per-session cache key;
- :mod:`~emgkit.app.batch.job`: the per-session job (read, analyse, flatten into cohort rows);
- :mod:`~emgkit.app.batch.cache`: one Parquet file per analysed session;
- :mod:`~emgkit.app.batch.engines`: serial, process-pool and Dask execution;
- :mod:`~emgkit.app.batch.tables`: column names, :class:`BatchResult`, dtype normalisation;
- :mod:`~emgkit.app.batch.progress`: the progress bar over sessions;
- :mod:`~emgkit.app.batch.run`: :func:`analyze_many`, which plans, runs and collects;
- :mod:`~emgkit.app.batch.files`: the batch table as Parquet and CSV.
"""

from __future__ import annotations

from emgkit.app.batch.discover import expand_paths, unique_session_ids
from emgkit.app.batch.files import read_results, write_results
from emgkit.app.batch.job import tidy_result
from emgkit.app.batch.keys import session_key
from emgkit.app.batch.run import analyze_many
from emgkit.app.batch.tables import ERROR_COLUMNS, RESULT_COLUMNS, SESSION_COLUMNS, BatchResult

__all__ = [
    "ERROR_COLUMNS",
    "RESULT_COLUMNS",
    "SESSION_COLUMNS",
    "BatchResult",
    "analyze_many",
    "expand_paths",
    "read_results",
    "session_key",
    "tidy_result",
    "unique_session_ids",
    "write_results",
]
