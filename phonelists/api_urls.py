"""REST API URLs of the phonelists app (mounted under /api/ by dialer_site.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("phonelists/", api.PhoneListCollection.as_view(), name="phonelist-list"),
    path("phonelists/<int:pk>/", api.PhoneListItem.as_view(), name="phonelist-detail"),
    path(
        "phonelists/<int:pk>/contacts/",
        api.PhoneListContacts.as_view(),
        name="phonelist-contacts",
    ),
    path(
        "phonelists/<int:pk>/rejected.csv",
        api.PhoneListRejected.as_view(),
        name="phonelist-rejected",
    ),
    path("phonelists/<int:pk>/cancel/", api.PhoneListCancel.as_view(), name="phonelist-cancel"),
    path("phonelists/<int:pk>/mapping/", api.PhoneListMapping.as_view(), name="phonelist-mapping"),
    path("do-not-call/", api.DoNotCallCollection.as_view(), name="donotcall-list"),
    path("do-not-call/upload/", api.DoNotCallUpload.as_view(), name="donotcall-upload"),
    path("do-not-call/<int:pk>/", api.DoNotCallItem.as_view(), name="donotcall-detail"),
]
