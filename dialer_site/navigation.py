"""The main navigation: one entry per product area, shown to users who may read it.

Each product area adds its entry here when its pages exist, so the menu never
links to a page that is not there.
"""

from dataclasses import dataclass

from django.urls import reverse

from .roles import role_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    staff_only: bool = False


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home"),
    NavItem("Admin", "admin:index", staff_only=True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in NAV_ITEMS:
        if item.staff_only and not user.is_staff:
            continue
        if item.permission and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": item.label, "url": url, "current": current})
    return {"nav_items": items, "user_role": role_of(user)}
