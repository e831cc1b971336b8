"""The API's exception handler: DRF's, plus a 409 in plain words for a delete that
other records prevent (a provider account a campaign uses, and the like)."""

from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.utils.translation import gettext, ngettext
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .middleware import API_PREFIX

# How many of the records in the way the message names; it counts them all.
MAX_NAMED_OBJECTS = 5


def in_use_message(error: ProtectedError | RestrictedError) -> str:
    """Why the delete was refused: which records still use the object."""
    objects = list(
        error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    )
    if not objects:
        return gettext("It cannot be deleted: other records still use it.")
    names = ", ".join(f'"{obj}"' for obj in objects[:MAX_NAMED_OBJECTS])
    if len(objects) > MAX_NAMED_OBJECTS:
        names += ", …"
    meta = objects[0]._meta
    return ngettext(
        "It cannot be deleted: the %(kind)s %(names)s uses it.",
        "It cannot be deleted: %(count)d %(kinds)s use it (%(names)s).",
        len(objects),
    ) % {
        "kind": meta.verbose_name,
        "kinds": meta.verbose_name_plural,
        "count": len(objects),
        "names": names,
    }


def api_exception_handler(exc, context):
    if isinstance(exc, ProtectedError | RestrictedError):
        set_rollback()
        return Response({"detail": in_use_message(exc)}, status=status.HTTP_409_CONFLICT)
    return exception_handler(exc, context)


def not_found(request, exception):
    """handler404: the API's callers get JSON, as from its views; pages get Django's page.

    A URL under /api/ that matches no route (an id that is not one) never reaches DRF.
    """
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": gettext("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
