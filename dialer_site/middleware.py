from django.contrib.auth.middleware import LoginRequiredMiddleware
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
