"""Benchmarks' test database: on PostgreSQL (DATABASE_URL), named for this run
(dialer_bench_<pid>_<random>) rather than test_<name>, so that two runs on one server
do not drop each other's; pytest-django drops it at the end of the session."""

import pytest

from tests.bench.measure import bench_database_name


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        default.setdefault("TEST", {})["NAME"] = bench_database_name()
