"""A batch commits whole or not at all, even when the process is killed mid-file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import sqlalchemy as sa

from dtoa.models import Detention, IngestBatch
from dtoa.testing import detention_row, write_csv


def test_killing_ingest_mid_file_leaves_no_partial_batch(config_file, tmp_path, engine):
    path = write_csv(tmp_path / "big.csv",
                     [detention_row(custody_ref=f"BAS/{i:06d}") for i in range(12_000)])
    env = {k: v for k, v in os.environ.items() if k != "DTOA_DATABASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dtoa", "--verbose", "--config", str(config_file), "ingest",
         "detentions", str(path), "--quiet"], stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stderr:
        if '"batch.progress"' in line:  # at least one chunk written, in the open transaction
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    engine.dispose()
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Detention)).scalar() == 0
        assert connection.execute(sa.select(sa.func.count()).select_from(IngestBatch)
                                  ).scalar() == 0
    rerun = subprocess.run(
        [sys.executable, "-m", "dtoa", "--config", str(config_file), "ingest", "detentions",
         str(path), "--quiet"], capture_output=True, text=True, env=env)
    assert rerun.returncode == 0, rerun.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Detention)
                                  ).scalar() == 12_000
