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
    NavItem("Flows", "flows:list", "flows.view_flow"),
    NavItem("Recordings", "flows:recordings", "flows.view_recording"),
    NavItem("Phone lists", "phonelists:list", "phonelists.view_phonelist"),
    NavItem("Campaigns", "campaigns:campaign-list", "campaigns.view_campaign"),
    NavItem("Provider accounts", "campaigns:account-list", "campaigns.view_provideraccount"),
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
        items.append({"label": item.label, "url": reverse(item.url_name), "current": False})
    # The current section is the longest URL the path starts with, so that
    # /flows/recordings/ marks Recordings and not Flows as well.
    matching = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["current"] = True
    return {"nav_items": items, "user_role": role_of(user)}
