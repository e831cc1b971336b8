#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialer_site.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError
    from django.utils.translation import gettext

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        # One line instead of a traceback: the usual cause is a database that is down,
        # unreachable or read-only, which the traceback would not say any plainer.
        reason = " ".join(str(error).split())  # psycopg's reasons run over several lines
        sys.exit(gettext("The database cannot be reached: %(error)s") % {"error": reason})
