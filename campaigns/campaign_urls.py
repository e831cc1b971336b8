"""Campaign pages, included by campaigns/urls.py (namespace "campaigns")."""

from django.urls import path

from .views import campaign_form
from .views import campaigns as views

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("new/left-out/", campaign_form.left_out_counts, name="campaign-left-out"),
    path("new/provider-fields/", campaign_form.provider_fields, name="campaign-provider-fields"),
    path("new/test-call/", campaign_form.test_call, name="test-call"),
    path("new/test-call/<id:pk>/", campaign_form.test_call_result, name="test-call-result"),
    path("<id:pk>/", views.campaign_detail, name="campaign-detail"),
    path("<id:pk>/progress/", views.campaign_progress, name="campaign-progress"),
    path("<id:pk>/charts/", views.campaign_charts, name="campaign-charts"),
    path("<id:pk>/cdrs/", views.cdr_table, name="campaign-cdrs"),
    path("<id:pk>/cdrs.csv", views.cdr_export, name="campaign-cdrs-csv"),
    path("<id:pk>/cdrs.xlsx", views.cdr_export, {"fmt": "xlsx"}, name="campaign-cdrs-xlsx"),
    path("<id:pk>/calls/<id:call_pk>/", views.call_detail, name="campaign-call"),
    path("<id:pk>/<str:action>/", views.campaign_action, name="campaign-action"),
]
