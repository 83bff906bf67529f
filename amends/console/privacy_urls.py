"""The privacy console's pages (个人信息保护), under /console/privacy/."""

from django.urls import path

from amends.console import privacy_views as views

urlpatterns = [
    path("", views.home, name="privacy"),
    path("requests/", views.request_list, name="privacy_requests"),
    path("requests/new/", views.request_new, name="privacy_request_new"),
    path("requests/<int:pk>/", views.request_detail, name="privacy_request"),
    path("requests/<int:pk>/do/<slug:step>/", views.request_act, name="privacy_request_act"),
    path("access-log/", views.access_log, name="privacy_access_log"),
    path("evidence/", views.evidence, name="privacy_evidence"),
    path("holds/", views.holds, name="privacy_holds"),
    path("holds/<int:pk>/lift/", views.hold_lift, name="privacy_hold_lift"),
    path("breaches/", views.breaches, name="privacy_breaches"),
    path("breaches/<int:pk>/", views.breach, name="privacy_breach"),
    path("rules/", views.rules, name="privacy_rules"),
    path("complaints/<str:reference>/sensitive/", views.sensitive, name="privacy_sensitive"),
]
