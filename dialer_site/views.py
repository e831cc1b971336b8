from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import system_health


@require_GET
def home(request):
    return render(request, "dialer_site/home.html", {"health": system_health()})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and uptime checks, so it needs no login; it reveals only
    whether the database and the queue work, never data."""
    health = system_health()
    return JsonResponse(health, status=200 if health["database"]["ok"] else 503)
