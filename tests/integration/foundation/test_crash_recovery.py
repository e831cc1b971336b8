"""The crash test at CI scale: a real worker SIGKILLed in the middle of a 60,000-row
import (three blocks of rows), of a dispatch and of a CDR collection; a new worker's
recovery sweep resumes each, and nothing is lost or saved twice. Full scale (200,000
rows): `make crash-test`."""

import json
import subprocess
import sys

from tests.integration.campaigns.fault_harness import ROOT


def test_work_of_a_killed_worker_is_resumed_with_nothing_lost_or_doubled():
    completed = subprocess.run(
        [sys.executable, "-m", "tests.integration.foundation.crash_harness", "--rows=60000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    imported, dispatched, cdrs = result["import"], result["dispatch"], result["cdr_collection"]
    assert imported["status"] == "done", completed.stderr[-2000:]
    assert imported["killed_at_rows"] < imported["rows"]
    assert imported["imported"] == imported["contacts"] == imported["distinct_numbers"] == 60000
    assert imported["lost_tasks"] == 1
    assert (dispatched["ledger_calls"], dispatched["lost"], dispatched["duplicated"]) == (600, 0, 0)
    assert dispatched["chain_restarted"]
    assert cdrs["cdrs"] == cdrs["cdrs_from_the_file"] == cdrs["distinct_calls"] == cdrs["calls"]
    assert cdrs["lost_tasks"] >= 1
    assert completed.returncode == 0
