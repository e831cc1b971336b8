"""Access: a login and the model permission for what the request does, for the API
(ModelPermissions) and for page views (permission_for)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import DjangoModelPermissions

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def permission_for(read: str, write: str | None = None):
    """GET needs `read`; any other method needs `write` (403 for signed-in users
    without it; the login middleware already sent anonymous users to sign in)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            needed = read if request.method in SAFE_METHODS else write
            if needed is None or not request.user.has_perm(needed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class ModelPermissions(DjangoModelPermissions):
    """DRF model permissions where reading also needs the `view` permission.

    A view without a queryset names its needs in `permission_required`
    (one permission, or a tuple: all are needed) and `read_permission_required`
    for GET/HEAD/OPTIONS.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if not hasattr(view, request.method.lower()):
            return True  # DRF answers 405: there is nothing to guard
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        attribute = "read_permission_required" if safe else "permission_required"
        if hasattr(view, attribute):
            needed = getattr(view, attribute)
            return request.user.has_perms((needed,) if isinstance(needed, str) else needed)
        return super().has_permission(request, view)
