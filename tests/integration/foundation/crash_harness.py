"""The crash test: a real `db_worker` is SIGKILLed in the middle of a phone-list
import, of a campaign's dispatch and of a Paycall CDR collection; a new worker starts,
its recovery sweep finds the dead work, and each finishes with nothing lost or saved
twice.

    python -m tests.integration.foundation.crash_harness --rows 200000

Like the fault harness (tests.integration.campaigns.fault_harness, whose process
handling it reuses) everything runs in separate processes on one database file: the
site (serving the sandbox), the worker, and this script. Leases and the recovery
interval are cut to seconds through their settings.
"""

import argparse
import contextlib
import json
import os
import signal
import sys
import time

from tests.integration.campaigns.fault_harness import Harness

# Short leases, so that each recovery shows within seconds (the settings' environment
# variables; README's tuning table).
TUNING = {
    "RECOVERY_INTERVAL_SECONDS": "1",
    "PHONELIST_IMPORT_LEASE_SECONDS": "2",
    "CAMPAIGN_CDR_LEASE_SECONDS": "2",
    "SANDBOX_SWEEP_LEASE_SECONDS": "5",
    "CAMPAIGN_DISPATCH_SLICE_SECONDS": "1",
    "CAMPAIGN_LEASE_MARGIN_SECONDS": "1",
    "CAMPAIGN_DISPATCH_SLOTS": "2",
    "CAMPAIGN_CALLS_PER_REQUEST": "25",
}
# The sandbox's Paycall answers this slowly, so the CDR collection can be caught.
# (1.5 s: with 0.6 s a loaded machine sometimes killed the worker just after the fetch
# it saw running had ended, and the test, which needs a lost fetch, failed.)
PAYCALL_LATENCY_MS = 1500
POLL_SECONDS = 0.05


class CrashHarness(Harness):
    def __init__(self, args):
        super().__init__(args)
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "dialer_site.settings",
                "MEDIA_ROOT": str(self.tmp / "media"),
                **TUNING,
            }
        )

    def setup_django(self):
        os.environ.update(
            {k: self.env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MEDIA_ROOT")}
        )
        os.environ.update(TUNING)
        super().setup_django()

    def start_workers(self):
        # One worker, so that killing it leaves none.
        self.args.workers = 1
        super().start_workers()

    def wait(self, condition, what: str, timeout: float | None = None):
        deadline = time.monotonic() + (timeout or self.args.timeout)
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"gave up waiting for {what}")

    def kill(self) -> None:
        """SIGKILL the worker and what it started (an import's reading process)."""
        for worker in self.workers:
            os.killpg(worker.pid, signal.SIGKILL)
        self.kill_workers()

    @contextlib.contextmanager
    def writes_held(self):
        from django.db import connection, transaction

        from phonelists.models import Contact

        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {Contact._meta.db_table} IN SHARE MODE")
            else:
                # SQLite's write transactions are IMMEDIATE (settings): this holds its
                # one write lock.
                cursor.execute(f"DELETE FROM {Contact._meta.db_table} WHERE id = 0")  # noqa: S608
            yield

    def crash(self) -> None:
        self.kill()
        self.start_workers()

    def manage(self, *argv, **kwargs):
        return super().manage(*argv, start_new_session=True, **kwargs)

    def lost_tasks(self, task_path: str) -> int:
        from django_tasks_db.models import DBTaskResult

        from dialer_site.recovery import WORKER_LOST

        return DBTaskResult.objects.filter(
            task_path=task_path, status="FAILED", exception_class_path=WORKER_LOST
        ).count()

    # -- the import ---------------------------------------------------------------------

    def import_list(self) -> dict:
        from django.core.files import File

        from phonelists.models import PhoneList
        from phonelists.services import upload_phone_list
        from phonelists.tasks import import_phone_list

        rows = self.args.rows
        source = self.tmp / "list.csv"
        with open(source, "w", encoding="utf-8") as out:
            out.write("phone,first_name\n")
            out.writelines(f"+9725{i:08d},N{i}\n" for i in range(rows))
        with open(source, "rb") as handle:
            phone_list = upload_phone_list(
                name="Crash list", upload=File(handle, name="list.csv"), enqueue=lambda pk: None
            )
        started = time.monotonic()
        import_phone_list.enqueue(phone_list.pk)
        at = self.wait(
            lambda: (
                PhoneList.objects.filter(
                    pk=phone_list.pk, status="importing", imported__gte=rows // 20
                )
                .values_list("imported", flat=True)
                .first()
            ),
            "the import to pass 5 %",
        )
        # A block of rows takes well under a second to save: the worker is held at its
        # next write, so that it dies with the list half imported.
        with self.writes_held():
            self.kill()
        self.start_workers()
        self.wait(
            lambda: (
                PhoneList.objects.filter(pk=phone_list.pk, status__in=PhoneList.FINISHED)
                .values_list("status", flat=True)
                .first()
            ),
            "the import to finish",
        )
        phone_list.refresh_from_db()
        contacts = phone_list.contacts
        return {
            "rows": rows,
            "killed_at_rows": at,
            "status": phone_list.status,
            "imported": phone_list.imported,
            "contacts": contacts.count(),
            "distinct_numbers": contacts.values("number").distinct().count(),
            "lost_tasks": self.lost_tasks("phonelists.tasks.import_phone_list"),
            "seconds": round(time.monotonic() - started, 1),
        }

    # -- the dispatch -------------------------------------------------------------------

    def dispatch(self) -> dict:
        from django_tasks_db.models import DBTaskResult

        from campaigns.models import Call, Campaign
        from campaigns.models.campaigns import CallState
        from campaigns.services import start_campaign
        from sandbox.models import LedgerCall

        self.args.contacts = self.args.dispatch_contacts
        campaign = self.create_campaign()
        started = time.monotonic()
        start_campaign(campaign=campaign, reason="Crash test")
        total = self.args.contacts
        self.wait(
            lambda: (
                Call.objects.filter(campaign=campaign)
                .exclude(state__in=(CallState.PENDING, CallState.SENDING))
                .count()
                >= total // 3
            ),
            "a third of the calls to be sent",
        )
        self.kill()
        # The narrowest window: killed after taking a slice and before queuing the next,
        # so the chain has no task left; only the recovery sweep can restart it.
        chain = Campaign.objects.get(pk=campaign.pk).dispatch_chain
        DBTaskResult.objects.filter(
            task_path="campaigns.tasks.dispatch_campaign", status="READY"
        ).delete()
        self.start_workers()
        self.wait(lambda: self.progress(campaign)[1], "the dispatch to finish")
        identifiers = list(
            LedgerCall.objects.filter(account__name="Faulty Phonon").values_list(
                "client_identifier", flat=True
            )
        )
        keys = set(Call.objects.filter(campaign=campaign).values_list("idempotency_key", flat=True))
        return {
            "contacts": total,
            "ledger_calls": len(identifiers),
            "lost": len(keys - set(identifiers)),
            "duplicated": len(identifiers) - len(set(identifiers)),
            "chain_restarted": Campaign.objects.get(pk=campaign.pk).dispatch_chain != chain,
            "seconds": round(time.monotonic() - started, 1),
        }

    # -- the CDR collection ----------------------------------------------------------

    def collect_cdrs(self) -> dict:
        from django_tasks_db.models import DBTaskResult

        from campaigns.checks import CampaignSettings
        from campaigns.models import Cdr, ProviderAccount
        from campaigns.services import create_campaign, start_campaign
        from flows.models import Flow, FlowVersion
        from phonelists.models import Contact, PhoneList
        from sandbox import registry

        from ..campaigns.conftest import MENU_FLOW, same_for_everyone

        # The sandbox answers slowly, so the worker is caught in the middle of the
        # collection (and the few requests that start the campaign take seconds).
        registry.paycall_account(
            name="Paycall crash", username="crash", password="p@ss", latency_ms=PAYCALL_LATENCY_MS
        )
        account = ProviderAccount.objects.create(
            kind="paycall",
            name="Paycall crash",
            base_url=f"http://127.0.0.1:{self.port}/sandbox/paycall",
            credentials={"username": "crash", "password": "p@ss"},
            connect_timeout=2,
            read_timeout=10,
        )
        flow = Flow.objects.create(name="Crash flow")
        version = FlowVersion.objects.create(
            flow=flow, number=1, definition=same_for_everyone(MENU_FLOW)
        )
        count = self.args.cdr_calls
        phone_list = PhoneList.objects.create(
            name="CDR list", status="done", source_file="c.csv", total=count, imported=count
        )
        Contact.objects.bulk_create(
            Contact(phone_list=phone_list, line_number=i + 1, number=f"+9725{i:08d}")
            for i in range(count)
        )
        campaign = create_campaign(
            settings=CampaignSettings(
                name="Crash CDRs",
                flow_version=version,
                account=account,
                phone_list=phone_list,
                public_base_url=f"http://127.0.0.1:{self.port}",
            )
        )
        total = campaign.total_calls
        started = time.monotonic()
        start_campaign(campaign=campaign, reason="Crash test")
        collection = "campaigns.tasks.collect_final_cdrs"
        self.wait(
            lambda: DBTaskResult.objects.filter(task_path=collection, status="RUNNING").exists(),
            "the CDR collection to start",
        )
        self.crash()
        self.wait(
            lambda: DBTaskResult.objects.filter(task_path=collection, status="SUCCESSFUL").exists(),
            "the CDR collection to finish",
        )
        cdrs = Cdr.objects.filter(campaign=campaign)
        return {
            "calls": total,
            "cdrs": cdrs.count(),
            "cdrs_from_the_file": cdrs.filter(start_time__isnull=False).count(),
            "distinct_calls": cdrs.values("call").distinct().count(),
            "lost_tasks": self.lost_tasks(collection),
            "seconds": round(time.monotonic() - started, 1),
        }

    def run(self) -> dict:
        self.setup_django()
        self.start_server()
        self.start_workers()
        return {
            "import": self.import_list(),
            "dispatch": self.dispatch(),
            "cdr_collection": self.collect_cdrs(),
        }


def passed(result: dict) -> bool:
    imported, dispatched, cdrs = result["import"], result["dispatch"], result["cdr_collection"]
    return (
        imported["status"] == "done"
        and imported["rows"] == imported["imported"] == imported["contacts"]
        and imported["contacts"] == imported["distinct_numbers"]
        and imported["lost_tasks"] >= 1
        and dispatched["ledger_calls"] == dispatched["contacts"]
        and not (dispatched["lost"] or dispatched["duplicated"])
        and dispatched["chain_restarted"]
        and cdrs["calls"] == cdrs["cdrs"] == cdrs["cdrs_from_the_file"] == cdrs["distinct_calls"]
        and cdrs["lost_tasks"] >= 1
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200000, help="rows of the phone list")
    parser.add_argument("--dispatch-contacts", type=int, default=600)
    parser.add_argument("--cdr-calls", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to give up after")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    # What the fault harness's campaign and workers read: a sandbox without faults.
    args.workers, args.batch_size, args.lease_margin, args.slice, args.slots = 1, 25, 1, 1, 2
    args.error_rate = args.timeout_rate = args.drop_rate = 0.0
    args.read_timeout, args.contacts, args.kills = 2, 0, 0
    harness = CrashHarness(args)
    started = time.monotonic()
    try:
        result = harness.run()
    finally:
        harness.close()
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result))
    return 0 if passed(result) else 1


if __name__ == "__main__":
    sys.exit(main())
