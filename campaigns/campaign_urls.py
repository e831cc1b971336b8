"""Campaign pages, included by campaigns/urls.py (namespace "campaigns")."""

from django.urls import path

from .views import campaigns as views

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("<int:pk>/progress/", views.campaign_progress, name="campaign-progress"),
    path("<int:pk>/charts/", views.campaign_charts, name="campaign-charts"),
    path("<int:pk>/cdrs/", views.cdr_table, name="campaign-cdrs"),
    path("<int:pk>/cdrs.csv", views.cdr_export, name="campaign-cdrs-csv"),
    path("<int:pk>/calls/<int:call_pk>/", views.call_detail, name="campaign-call"),
    path("<int:pk>/<str:action>/", views.campaign_action, name="campaign-action"),
]
