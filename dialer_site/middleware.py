import logging
import sys

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.signals import got_request_exception
from django.db import DatabaseError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy
from rest_framework.views import APIView


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless marked @login_not_required.

    DRF views are left to DRF: they authenticate tokens as well as sessions, which
    happens after middleware, and they refuse anonymous callers with 401/403 JSON.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


logger = logging.getLogger(__name__)

# A read-only PostgreSQL transaction or server (SQLSTATE read_only_sql_transaction).
# Django wraps it as InternalError, beside errors that are bugs, so it is told apart
# by its code.
READ_ONLY_SQLSTATE = "25006"
# How long a browser or API client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 60
# Where dialer_site.urls mounts the REST API: its callers get JSON, not a page.
API_PREFIX = "/api/"
DATABASE_UNAVAILABLE = gettext_lazy(
    "The database cannot be reached or is read-only right now; please try again in a minute."
)


def is_database_outage(error: BaseException | None) -> bool:
    """An unreachable, locked or read-only database, as opposed to a bug in a query."""
    outage = isinstance(error, OperationalError) or (
        isinstance(error, DatabaseError)
        and getattr(error.__cause__, "sqlstate", None) == READ_ONLY_SQLSTATE
    )
    if outage:
        # The 503 says only "try again"; the operator needs the database's own words.
        logger.error("The database is unavailable: %s", error)
    return outage


@receiver(got_request_exception)
def _note_database_outage(sender, request=None, **kwargs):
    # Middleware past this one turns its own exceptions (the session save after the
    # view, the user lookup before it) into a 500 response before this one sees them;
    # the signal is how it learns the 500 was the database's.
    if request is not None and is_database_outage(sys.exc_info()[1]):
        request.database_unavailable = True


def database_unavailable_response(request) -> HttpResponse:
    message = str(DATABASE_UNAVAILABLE)
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # No request context: the context processors (navigation, the user) would
        # query the database again.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A 503 with one plain line when the database cannot be read or written.

    First in MIDDLEWARE, so it also covers what the other middleware does with the
    database (sessions, the signed-in user).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return database_unavailable_response(request)
        return None
