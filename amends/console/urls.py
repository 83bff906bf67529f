from django.contrib.auth import views as auth_views
from django.urls import include, path

from amends.console import intake_views, notification_views, search_views, views

app_name = "console"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/", views.start, name="start"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path("language/", views.language, name="language"),
    path("venue/", views.venue, name="venue"),
    path("queue/<slug:name>/", views.queue, name="queue"),
    path("new/", intake_views.intake, name="intake"),
    path("new/duplicates/", intake_views.intake_duplicates, name="intake_duplicates"),
    path("new/member/", intake_views.intake_member, name="intake_member"),
    path("new/done/<str:reference>/", intake_views.intake_done, name="intake_done"),
    path("approvals/", views.approvals, name="approvals"),
    path("revisits/", views.revisits, name="revisits"),
    path("settings/", views.settings_page, name="settings"),
    path("search/", search_views.search, name="search"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification_open"),
    path("c/<str:reference>/", views.complaint_page, name="complaint"),
    path("c/<str:reference>/contact/", views.reveal_contact, name="reveal_contact"),
    path("c/<str:reference>/do/<slug:name>/", views.complaint_act, name="act"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("reports/", include("amends.console.report_urls")),
    path("improvements/", include("amends.console.improvement_urls")),
    path("care/", include("amends.console.care_urls")),
    path("privacy/", include("amends.console.privacy_urls")),
    path("equipment/", include("amends.console.equipment_urls")),
    path("", include("amends.console.triage_urls")),
    path("", include("amends.console.security_urls")),
]
