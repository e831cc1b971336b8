"""Page URLs of the phonelists app (mounted at /phonelists/ by dialer_site.urls)."""

from django.urls import path

from . import dnc_views, views

app_name = "phonelists"
urlpatterns = [
    path("", views.phone_list_index, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/progress/", views.progress, name="progress"),
    path("<id:pk>/mapping/", views.mapping, name="mapping"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/rejected.csv", views.rejected_csv, name="rejected"),
    path("do-not-call/", dnc_views.do_not_call, name="dnc"),
    path("do-not-call/upload/", dnc_views.do_not_call_upload, name="dnc_upload"),
    path("do-not-call/<id:pk>/remove/", dnc_views.do_not_call_remove, name="dnc_remove"),
]
