from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dialer_site.roles import ROLES, assign_role


class Command(BaseCommand):
    help = "Give a user one of the roles: " + ", ".join(ROLES) + "."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=ROLES, metavar="ROLE", help=" | ".join(ROLES))
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the user if missing (the password is read from --password).",
        )
        parser.add_argument("--password", help="Password for a user created with --create.")

    def handle(self, *args, username, role, create, password, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"No user {username!r}. Add --create to make one.")
            if not password:
                raise CommandError("--create needs --password.")
            user = User.objects.create_user(username=username, password=password)
        assign_role(user, role)
        self.stdout.write(self.style.SUCCESS(f"{username} is now {role}."))
