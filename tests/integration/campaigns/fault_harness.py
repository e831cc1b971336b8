"""The fault test: a Phonon campaign against a sandbox that answers HTTP 500, times out
and drops connections, dispatched by real `db_worker` processes that are SIGKILLed and
restarted; then the sandbox's ledger must hold every contact exactly once.

    python -m tests.integration.campaigns.fault_harness --contacts 50000 --kills 3

Everything runs in separate processes on one database file (or DATABASE_URL for
PostgreSQL): the site (`runserver`, serving the sandbox), the workers, and this script.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = "tests.integration.campaigns.fault_settings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Often enough that a kill lands mid-campaign even when restarted workers clear the
# rest of a small campaign within a second.
PROGRESS_POLL_SECONDS = 0.05


class Harness:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="dialer-faults-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": args.database_url or f"sqlite:///{self.tmp / 'faults.sqlite3'}",
            "DEBUG": "true",
            "LOG_LEVEL": "WARNING",
            "FAULT_PHONON_BATCH_SIZE": str(args.batch_size),
            "FAULT_LEASE_MARGIN_SECONDS": str(args.lease_margin),
            "FAULT_SLICE_SECONDS": str(args.slice),
            "FAULT_DISPATCH_SLOTS": str(args.slots),
        }
        self.port = free_port()
        # The sandbox the accounts call is this site's own origin (providers.outbound).
        self.env["SITE_URL"] = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.workers: list[subprocess.Popen] = []
        self.generation = 0
        self.kills = 0

    def manage(self, *argv, **kwargs) -> subprocess.Popen:
        log = open(self.tmp / f"{argv[0]}-{len(self.workers)}-{self.generation}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [sys.executable, "manage.py", *argv],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            **kwargs,
        )

    def setup_django(self):
        os.environ.update(
            {
                k: self.env[k]
                for k in (
                    "DJANGO_SETTINGS_MODULE",
                    "DATABASE_URL",
                    "FAULT_PHONON_BATCH_SIZE",
                    "FAULT_LEASE_MARGIN_SECONDS",
                    "FAULT_SLICE_SECONDS",
                    "FAULT_DISPATCH_SLOTS",
                )
            }
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        import django

        django.setup()

    def start_server(self):
        self.server = self.manage("runserver", f"127.0.0.1:{self.port}", "--noreload")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the site did not start")

    def start_workers(self):
        self.generation += 1
        self.workers = [
            self.manage(
                "db_worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                f"w{i}-g{self.generation}",
            )
            for i in range(self.args.workers)
        ]

    def kill_workers(self):
        for worker in self.workers:
            worker.send_signal(signal.SIGKILL)
        for worker in self.workers:
            worker.wait()
        self.kills += 1

    def create_campaign(self):
        from campaigns.checks import CampaignSettings
        from campaigns.models import ProviderAccount
        from campaigns.services import create_campaign
        from flows.models import Flow, FlowVersion
        from phonelists.models import Contact, PhoneList
        from sandbox import registry

        from .conftest import MENU_FLOW, PHONON_FLOW_ID, PHONON_SECURITY_ID

        registry.phonon_account(
            name="Faulty Phonon",
            flows={PHONON_FLOW_ID: PHONON_SECURITY_ID},
            key_bits=2048,
            error_rates={"500": self.args.error_rate},
            timeout_rate=self.args.timeout_rate,
            timeout_seconds=3,
            drop_rate=self.args.drop_rate,
        )
        account = ProviderAccount.objects.create(
            kind="phonon",
            name="Faulty Phonon",
            base_url=f"http://127.0.0.1:{self.port}/sandbox/phonon",
            credentials={"security_ids": {PHONON_FLOW_ID: PHONON_SECURITY_ID}},
            connect_timeout=1,
            read_timeout=self.args.read_timeout,
        )
        flow = Flow.objects.create(name="Fault flow")
        version = FlowVersion.objects.create(flow=flow, number=1, definition=MENU_FLOW)
        count = self.args.contacts
        phone_list = PhoneList.objects.create(
            name="Fault list",
            status="done",
            source_file="f.csv",
            original_filename="f.csv",
            total=count,
            imported=count,
        )
        Contact.objects.bulk_create(
            (
                Contact(
                    phone_list=phone_list,
                    line_number=i + 1,
                    number=f"+9725{i:08d}",
                    variables={"first_name": f"N{i}"},
                )
                for i in range(count)
            ),
            batch_size=5000,
        )
        return create_campaign(
            settings=CampaignSettings(
                name="Fault test",
                flow_version=version,
                account=account,
                phone_list=phone_list,
                phonon_flow_id=PHONON_FLOW_ID,
                public_base_url=f"http://127.0.0.1:{self.port}",
            )
        )

    def progress(self, campaign) -> tuple[int, bool]:
        from campaigns.dispatch import dispatch_finished
        from campaigns.models import Call
        from campaigns.models.campaigns import CallState

        sent = Call.objects.filter(
            campaign=campaign, state__in=(CallState.ACCEPTED, CallState.COMPLETED)
        ).count()
        return sent, dispatch_finished(campaign)

    def run(self) -> dict:
        self.setup_django()
        from campaigns.models import Call
        from campaigns.services import start_campaign
        from sandbox.models import LedgerCall

        campaign = self.create_campaign()
        self.start_server()
        self.start_workers()
        started = time.monotonic()
        start_campaign(campaign=campaign, reason="Fault test")
        total = self.args.contacts
        thresholds = [total * (k + 1) // (self.args.kills + 1) for k in range(self.args.kills)]
        deadline = started + self.args.timeout
        while time.monotonic() < deadline:
            sent, finished = self.progress(campaign)
            if finished:
                break
            if thresholds and sent >= thresholds[0]:
                thresholds.pop(0)
                self.kill_workers()
                self.start_workers()
            time.sleep(PROGRESS_POLL_SECONDS)
        elapsed = time.monotonic() - started
        self.kill_workers()
        ledger = LedgerCall.objects.filter(account__name="Faulty Phonon")
        identifiers = list(ledger.values_list("client_identifier", flat=True))
        keys = set(Call.objects.filter(campaign=campaign).values_list("idempotency_key", flat=True))
        called = set(identifiers)
        return {
            "contacts": total,
            "ledger_calls": len(identifiers),
            "lost": len(keys - called),
            "duplicated": len(identifiers) - len(called),
            "unknown": len(called - keys),
            "kills": self.kills - 1,
            "duplicates_at_provider": Call.objects.filter(
                campaign=campaign, duplicate_at_provider=True
            ).count(),
            "seconds": round(elapsed, 1),
            "finished": self.progress(campaign)[1],
        }

    def close(self):
        for process in [*self.workers, self.server]:
            if process and process.poll() is None:
                process.kill()
                process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500, help="calls per Phonon request")
    parser.add_argument(
        "--lease-margin", type=float, default=10, help="seconds a request may take at the sandbox"
    )
    parser.add_argument("--error-rate", type=float, default=0.20)
    parser.add_argument("--timeout-rate", type=float, default=0.05)
    parser.add_argument("--drop-rate", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to give up after")
    parser.add_argument(
        "--read-timeout", type=float, default=2, help="our read timeout (sandbox waits 3 s)"
    )
    parser.add_argument("--slice", type=float, default=4, help="seconds of one dispatch task")
    parser.add_argument(
        "--slots", type=int, default=2, help="dispatch tasks of the campaign at once"
    )
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    harness = Harness(args)
    try:
        result = harness.run()
    finally:
        harness.close()
    print(json.dumps(result))
    ok = result["finished"] and not (result["lost"] or result["duplicated"] or result["unknown"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
