"""analyze_many on the process pool, a loopback Dask LocalCluster and serially: same table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.app.batch import RESULT_COLUMNS, analyze_many, tidy_result
from emgkit.io import read

SORT = ["session", "subject", "date", "trial", "muscle", "side", "metric"]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(SORT, kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def pool_result(session_files: list[Path], short_protocol):  # type: ignore[no-untyped-def]
    return analyze_many(session_files, workers=2, protocol=short_protocol, progress=False)


def test_pool_matches_direct_analysis(pool_result, session_files, short_protocol) -> None:  # type: ignore[no-untyped-def]
    """Each session's rows are exactly analyze_bridge(read(file)) flattened."""
    res = pool_result
    assert res.errors.empty
    assert list(res.results.columns) == list(RESULT_COLUMNS)
    assert res.n_analysed == 4 and res.n_cached == 0
    for f in session_files:
        rec = read(f)
        ref = tidy_result(
            analyze_bridge(rec, short_protocol),
            rec.info.session,
            rec.info.subject,
            rec.info.date.isoformat(),
        )
        got = res.results[
            (res.results["subject"] == rec.info.subject)
            & (res.results["session"] == rec.info.session)
        ]
        pd.testing.assert_frame_equal(_sorted(got), _sorted(ref))


def test_tidy_table_content(pool_result) -> None:  # type: ignore[no-untyped-def]
    r = pool_result.results
    assert set(r["subject"]) == {"P01", "P02"}
    assert set(r["date"]) == {
        "2024-05-01T09:30:00",
        "2024-05-08T09:30:00",
        "2024-05-02T09:30:00",
        "2024-05-09T09:30:00",
    }
    metrics = set(r["metric"])
    assert {"pct_mvc", "mvc_uv", "glute_ham", "glute_erector", "symmetry_angle"} <= metrics
    # the ratio rows are the rep-mean of BridgeResult.ratios; symmetry is side "both"
    sym = r[(r["metric"] == "symmetry_angle") & (r["muscle"] == "glute_max")]
    assert set(sym["side"]) == {"both"}
    assert sym.groupby(["session", "subject", "trial"]).size().max() == 1
    # right-side inhibition: the right glute works less, so its angle is negative (left > right)
    # and larger in magnitude than the healthy subject's in every double-leg trial
    dlb = sym[sym["trial"].str.startswith("dlb")]
    p2 = dlb[dlb["subject"] == "P02"]["value"].to_numpy()
    p1 = dlb[dlb["subject"] == "P01"]["value"].to_numpy()
    assert (p2 < 0).all()
    assert np.abs(p2).min() > np.abs(p1).max()
    assert r["value"].dtype == np.float64


@pytest.mark.timeout(240)
def test_dask_local_cluster_equals_pool(pool_result, session_files, short_protocol) -> None:  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = None
    try:
        client = Client(cluster, timeout=60)
        client.wait_for_workers(2, timeout=60)
        res = analyze_many(session_files, client=client, protocol=short_protocol, progress=False)
        # the work really ran on both worker processes (not in this one)
        assert len(client.scheduler_info()["workers"]) == 2
    finally:
        if client is not None:
            client.close(timeout=30)
        cluster.close(timeout=30)
    assert res.errors.empty
    pd.testing.assert_frame_equal(_sorted(res.results), _sorted(pool_result.results))
    # and in input order too: the table does not depend on completion order
    pd.testing.assert_frame_equal(res.results, pool_result.results)


def test_serial_equals_pool(pool_result, session_files, short_protocol) -> None:  # type: ignore[no-untyped-def]
    res = analyze_many(session_files, engine="serial", protocol=short_protocol, progress=False)
    pd.testing.assert_frame_equal(res.results, pool_result.results)


def test_corrupt_file_is_reported_and_others_analysed(
    study: Path, pool_result, short_protocol
) -> None:  # type: ignore[no-untyped-def]
    # a file that reads but cannot be analysed (no hold events) fails too, for another reason
    no_holds = study / "p04_empty.csv"
    no_holds.write_text("time,a,b\n" + "".join(f"{i / 100},{i},{-i}\n" for i in range(200)))
    res = analyze_many(
        [study / "*.bdf", no_holds], workers=2, protocol=short_protocol, progress=False
    )
    assert res.n_analysed == 4
    errs = res.errors.set_index("path")
    assert list(errs.index) == [str(study / "p03_broken.bdf"), str(no_holds)]
    assert errs.loc[str(study / "p03_broken.bdf"), "error_type"] == "FormatError"
    assert "damaged" in errs.loc[str(study / "p03_broken.bdf"), "message"]
    assert errs.loc[str(no_holds), "error_type"] == "ConfigError"
    status = res.sessions.set_index("path")["status"]
    assert status[str(study / "p03_broken.bdf")] == "error"
    # the good sessions give the same rows as without the bad files
    pd.testing.assert_frame_equal(_sorted(res.results), _sorted(pool_result.results))


def test_no_match_is_a_config_error(tmp_path: Path) -> None:
    from emgkit.errors import ConfigError

    with pytest.raises(ConfigError, match="no session file matches"):
        analyze_many(str(tmp_path / "*.bdf"), progress=False)
    with pytest.raises(ConfigError, match="unknown analysis parameter"):
        analyze_many(tmp_path, params={"rms_windw": 0.1}, progress=False)
