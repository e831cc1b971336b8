"""The four roles, as auth groups, and the model permissions each one holds.

Groups are created by a data migration; their permissions are (re)computed after
every `migrate`, because Django creates model permissions in post_migrate and a
later issue's models must join their roles without a hand-written migration.
"""

from dataclasses import dataclass

from django.db.models import Q

VIEWER = "Viewer"
DESIGNER = "Designer"
CAMPAIGN_MANAGER = "Campaign manager"
ADMIN = "Admin"
ROLES = (VIEWER, DESIGNER, CAMPAIGN_MANAGER, ADMIN)

# Apps whose data every signed-in role may read.
PRODUCT_APPS = ("flows", "phonelists", "campaigns", "sandbox")
# Models that hold provider credentials: only Admins see or change them.
CREDENTIAL_MODELS = (("campaigns", "provideraccount"),)


@dataclass(frozen=True)
class Grant:
    apps: tuple[str, ...]
    # None means every permission of the models, custom ones included.
    actions: tuple[str, ...] | None = None
    credentials: bool = False

    def as_q(self) -> Q:
        q = Q(content_type__app_label__in=self.apps)
        if self.actions is not None:
            q &= Q(codename__regex=rf"^({'|'.join(self.actions)})_")
        if not self.credentials:
            for app_label, model in CREDENTIAL_MODELS:
                q &= ~Q(content_type__app_label=app_label, content_type__model=model)
        return q


READ_ALL = Grant(PRODUCT_APPS, actions=("view",))

ROLE_GRANTS: dict[str, tuple[Grant, ...]] = {
    VIEWER: (READ_ALL,),
    DESIGNER: (READ_ALL, Grant(("flows",))),
    # Every permission of phone lists and campaigns: the custom ones too, running
    # campaigns (run_campaign) and exporting their call records (export_cdrs).
    CAMPAIGN_MANAGER: (READ_ALL, Grant(("phonelists", "campaigns"))),
    ADMIN: (
        Grant(
            # axes: its access attempts, whose deletion unlocks a locked sign-in.
            (*PRODUCT_APPS, "auth", "authtoken", "django_tasks_database", "axes"),
            credentials=True,
        ),
    ),
}


def role_permission_filter(role: str) -> Q:
    q = Q(pk__in=[])
    for grant in ROLE_GRANTS[role]:
        q |= grant.as_q()
    return q


def sync_role_permissions(sender=None, using="default", apps=None, **kwargs):
    """Give each role group exactly the permissions its grants describe."""
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        # get_or_create as well as the data migration: a database flush (tests that
        # run a live server do one) empties the groups table and then emits
        # post_migrate, and the roles must come back with it.
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(Permission.objects.using(using).filter(role_permission_filter(role)))


def assign_role(user, role: str) -> None:
    """Make `role` the user's only role. Admins also get into the Django admin."""
    from django.contrib.auth.models import Group

    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    user.is_staff = role == ADMIN or user.is_superuser
    user.save(update_fields=["is_staff"])


def role_of(user) -> str | None:
    if user.is_superuser:
        return ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in reversed(ROLES) if role in names), None)
