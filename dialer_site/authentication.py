"""Signing in: the API's token authentication and the page shown for a locked sign-in."""

import math

from axes.helpers import get_client_username, get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from rest_framework import authentication, exceptions

from dialer_site.throttling import TokenFailureThrottle, retry_after_seconds

LOGIN_TEMPLATE = "registration/login.html"


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, with failed tokens counted per address: past
    API_TOKEN_FAILURE_RATE the address gets 429 for any token until the rate allows
    again, so keys cannot be guessed at speed."""

    def authenticate(self, request):
        if not authentication.get_authorization_header(request):
            return None  # no token: the session may still sign the caller in
        failures = TokenFailureThrottle()
        if failures.blocked(request):
            raise exceptions.Throttled(wait=retry_after_seconds(failures.wait()))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            failures.record_failure(request)
            raise


def sign_in_locked(request, original_response=None, credentials=None):
    """The sign-in page again, saying it is locked and who can unlock it (django-axes
    calls this, AXES_LOCKOUT_CALLABLE, instead of its bare 403 text).

    The form is unbound, so rendering it does not try the password again.
    """
    cool_off = get_cool_off(request)
    form = AuthenticationForm(
        request, initial={"username": get_client_username(request, credentials)}
    )
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "locked_out": True,
        "lockout_minutes": math.ceil(cool_off.total_seconds() / 60),
    }
    response = render(request, LOGIN_TEMPLATE, context, status=429)
    response["Retry-After"] = str(retry_after_seconds(cool_off.total_seconds()))
    return response
