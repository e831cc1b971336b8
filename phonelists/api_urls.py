"""REST API URLs of the phonelists app (mounted under /api/ by dialer_site.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("phonelists/", api.PhoneListCollection.as_view(), name="phonelist-list"),
    path("phonelists/<id:pk>/", api.PhoneListItem.as_view(), name="phonelist-detail"),
    path(
        "phonelists/<id:pk>/contacts/",
        api.PhoneListContacts.as_view(),
        name="phonelist-contacts",
    ),
    path(
        "phonelists/<id:pk>/rejected.csv",
        api.PhoneListRejected.as_view(),
        name="phonelist-rejected",
    ),
    path("phonelists/<id:pk>/cancel/", api.PhoneListCancel.as_view(), name="phonelist-cancel"),
    path("phonelists/<id:pk>/mapping/", api.PhoneListMapping.as_view(), name="phonelist-mapping"),
    path("do-not-call/", api.DoNotCallCollection.as_view(), name="donotcall-list"),
    path("do-not-call/upload/", api.DoNotCallUpload.as_view(), name="donotcall-upload"),
    path("do-not-call/<id:pk>/", api.DoNotCallItem.as_view(), name="donotcall-detail"),
]
