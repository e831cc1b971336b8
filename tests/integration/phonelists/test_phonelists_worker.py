"""The import through the real database queue, run the way `manage.py db_worker` runs it."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from phonelists import services, tasks
from phonelists.models import PhoneList

from .conftest import upload_file

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker_once() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="phonelists-test",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)
def test_the_queued_import_runs_in_the_worker_and_twice_is_harmless(settings, manager):
    settings.TASKS = DB_QUEUE
    phone_list = services.upload_phone_list(
        name="Queued",
        upload=upload_file("number,cli\r\n+97231000000,0723000000\r\n0544567890,\r\n"),
        default_country="IL",
        created_by=manager,
        enqueue=tasks.import_phone_list.enqueue,
    )
    assert phone_list.status == PhoneList.Status.QUEUED
    task = DBTaskResult.objects.get()
    assert task.task_path == "phonelists.tasks.import_phone_list"
    assert task.args_kwargs["args"] == [phone_list.pk]

    run_worker_once()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    phone_list.refresh_from_db()
    assert phone_list.status == PhoneList.Status.DONE
    assert phone_list.imported == 2
    # The same task enqueued again (a retry, a second worker) leaves the list as it is.
    tasks.import_phone_list.enqueue(phone_list.pk)
    run_worker_once()
    phone_list.refresh_from_db()
    assert phone_list.imported == 2 and phone_list.contacts.count() == 2
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
