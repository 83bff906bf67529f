"""The reports' pages in the console (KPI board, monthly report, drill-down, exports)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
