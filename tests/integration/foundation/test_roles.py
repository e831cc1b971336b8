import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from dialer_site.roles import (
    ADMIN,
    CAMPAIGN_MANAGER,
    DESIGNER,
    ROLES,
    VIEWER,
    assign_role,
    role_of,
    role_permission_filter,
)

pytestmark = pytest.mark.django_db


def perms_of(role):
    return set(
        Permission.objects.filter(group__name=role).values_list(
            "content_type__app_label", "codename"
        )
    )


def test_the_data_migration_creates_the_four_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_role_permissions_follow_the_grants(django_user_model):
    # Grants are rules over apps, so they are checked against whatever models exist.
    viewer, designer, manager, admin = (perms_of(r) for r in ROLES)
    assert all(codename.startswith("view_") for _, codename in viewer)
    assert viewer <= designer and viewer <= manager
    assert {app for app, _ in designer - viewer} <= {"flows"}
    assert {app for app, _ in manager - viewer} <= {"phonelists", "campaigns"}
    assert ("auth", "add_user") in admin and ("auth", "add_user") not in manager
    credential_perms = {p for p in admin if p[1].endswith("_provideraccount")}
    assert not credential_perms & (viewer | designer | manager)


def test_assign_role_replaces_the_previous_role(django_user_model):
    user = django_user_model.objects.create_user("sam", password="x" * 12)
    assign_role(user, VIEWER)
    assign_role(user, DESIGNER)
    assert list(user.groups.values_list("name", flat=True)) == [DESIGNER]
    assert role_of(user) == DESIGNER and not user.is_staff
    assign_role(user, ADMIN)
    assert role_of(user) == ADMIN and user.is_staff


def test_assign_role_command(django_user_model, capsys):
    call_command("assign_role", "kim", CAMPAIGN_MANAGER, "--create", "--password", "s3cret-pass-99")
    user = django_user_model.objects.get(username="kim")
    assert role_of(user) == CAMPAIGN_MANAGER and user.check_password("s3cret-pass-99")
    assert "kim is now Campaign manager" in capsys.readouterr().out


def test_assign_role_command_refuses_unknown_users():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("assign_role", "nobody", VIEWER)


def test_migrate_again_puts_role_permissions_back():
    expected = set(
        Permission.objects.filter(role_permission_filter(ADMIN)).values_list(
            "content_type__app_label", "codename"
        )
    )
    Group.objects.get(name=ADMIN).permissions.clear()
    call_command("migrate", verbosity=0)
    assert perms_of(ADMIN) == expected and ("auth", "change_user") in expected
