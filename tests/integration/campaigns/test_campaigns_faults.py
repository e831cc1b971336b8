"""The fault test at CI scale: real worker processes SIGKILLed twice while the sandbox
answers 500s, times out and drops connections; the ledger must show every contact
called exactly once. Full scale: `python -m tests.integration.campaigns.fault_harness`.
"""

import json
import subprocess
import sys

from .fault_harness import ROOT


def test_no_contact_is_lost_or_called_twice_through_kills_and_faults():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.campaigns.fault_harness",
            "--contacts=600",
            # Small requests, so the campaign is still running at the second kill.
            "--batch-size=10",
            "--kills=2",
            # Little load at this scale: the sandbox answers within seconds.
            "--lease-margin=6",
            "--timeout=150",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["finished"], completed.stderr[-2000:]
    assert result["ledger_calls"] == 600
    assert (result["lost"], result["duplicated"], result["unknown"]) == (0, 0, 0)
    assert result["kills"] == 2
