"""The reports' pages in the console (KPI board, monthly report, drill-down, exports)."""

from django.urls import path

from amends.console import report_views

urlpatterns = [
    path("", report_views.kpi_board, name="kpi"),
    path("monthly/", report_views.monthly_report, name="monthly_report"),
    path("monthly/download/", report_views.report_download, name="report_download"),
    path("complaints/", report_views.report_complaints, name="report_complaints"),
    path("exports/", report_views.report_export, name="report_export"),
    path("exports/<int:pk>/", report_views.report_export_status, name="report_export_status"),
    path("exports/<int:pk>/file/", report_views.report_export_file, name="report_export_file"),
]
