"""Request rates: the API's throttles and the same check for plain pages.

Each rate is a setting (settings.py, README "Tuning") read when a throttle is made,
not when DRF is imported, so a changed setting applies at once. Counts live in the
default cache.
"""

import math
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import ngettext
from rest_framework import throttling


class _RateFromSetting:
    """Takes its rate from the setting named by rate_setting."""

    rate_setting: str

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)


class AnonRateThrottle(_RateFromSetting, throttling.AnonRateThrottle):
    """Callers who are not signed in, per address."""

    rate_setting = "API_ANON_RATE"


class UserRateThrottle(_RateFromSetting, throttling.UserRateThrottle):
    """Signed-in callers, per user."""

    rate_setting = "API_USER_RATE"


class ConnectionTestThrottle(_RateFromSetting, throttling.UserRateThrottle):
    """Provider connection tests, per user: each one sends a request to the provider."""

    scope = "test_connection"
    rate_setting = "TEST_CONNECTION_RATE"


class TokenFailureThrottle(_RateFromSetting, throttling.SimpleRateThrottle):
    """Failed token sign-ins, per address (dialer_site.authentication counts them).

    Unlike the other throttles it is asked before a request is let through (blocked)
    and told of each failure afterwards (record_failure), so only failures count.
    """

    scope = "token_failure"
    rate_setting = "API_TOKEN_FAILURE_RATE"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]

    def blocked(self, request) -> bool:
        self._load(request)
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


def client_address(request) -> str | None:
    """The caller's address as the throttles see it: REMOTE_ADDR, or the address the
    trusted proxies (TRUSTED_PROXY_COUNT) put in X-Forwarded-For. Sign-in lock-outs
    use it too (AXES_CLIENT_IP_CALLABLE), so both count the same caller."""
    return throttling.BaseThrottle().get_ident(request)


def retry_after_seconds(wait: float | None) -> int:
    """Whole seconds for a Retry-After header: at least one, never rounded down."""
    return max(1, math.ceil(wait or 0))


def throttle(*throttle_classes):
    """DRF throttles for a plain Django view. A refused request gets 429 with Retry-After
    and a plain message; an htmx request also reloads its page, which shows the message
    (the pages' htmx does not swap 4xx answers in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            waits = []
            for throttle_class in throttle_classes:
                checker = throttle_class()
                if not checker.allow_request(request, None):
                    waits.append(checker.wait())
            if not waits:
                return view(request, *args, **kwargs)
            seconds = retry_after_seconds(max(wait or 0 for wait in waits))
            message = ngettext(
                "Too many requests. Try again in %(seconds)d second.",
                "Too many requests. Try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(seconds)
            if request.htmx:
                messages.error(request, message)
                response["HX-Refresh"] = "true"
            return response

        return wrapped

    return decorator
