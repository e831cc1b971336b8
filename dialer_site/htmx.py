"""Answers shared by the htmx pages."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def redirect_after_post(request, url: str) -> HttpResponse:
    """Where a form goes once it is done: htmx follows HX-Redirect (204, nothing to
    swap), a plain form post follows the usual redirect."""
    if request.htmx:
        return HttpResponseClientRedirect(url, status=204)
    return redirect(url)
