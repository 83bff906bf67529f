"""Addresses of a machine's fault form and its QR poster (included by public/urls.py)."""

from django.urls import path

from amends.public import equipment_views as views

urlpatterns = [
    path("p/asset/<str:token>/", views.fault_form, name="asset_fault"),
    path("p/asset/<str:token>/thanks/", views.thanks, name="asset_thanks"),
    path("p/asset/<str:token>/poster.pdf", views.poster, name="asset_poster"),
]
