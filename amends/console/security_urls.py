"""The console's Security pages (security_views.py), included at the end of console/urls.py."""

from django.urls import path

from amends.console import security_views

urlpatterns = [
    path("security/", security_views.security, name="security"),
    path("security/code/", security_views.second_factor, name="second_factor"),
    path("security/enrol/", security_views.enrol, name="security_enrol"),
    path("security/turn-off/", security_views.turn_off, name="security_turn_off"),
    path("security/unlock/", security_views.unlock, name="security_unlock"),
    path("security/remove-device/", security_views.remove_device, name="security_remove_device"),
]
