"""Addresses of triage in the console (included by console/urls.py, in its namespace)."""

from django.urls import path

from amends.console import triage_views

urlpatterns = [
    path("new/triage/", triage_views.intake_triage, name="intake_triage"),
    path("c/<str:reference>/triage/accept/", triage_views.triage_accept, name="triage_accept"),
    path("scripts/", triage_views.reply_scripts, name="reply_scripts"),
    path(
        "scripts/<slug:category>/<slug:psychology>/<slug:language>/",
        triage_views.reply_script_edit,
        name="reply_script",
    ),
    path(
        "scripts/<slug:category>/<slug:psychology>/<slug:language>/reset/",
        triage_views.reply_script_reset_view,
        name="reply_script_reset",
    ),
]
