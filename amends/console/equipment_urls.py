"""Addresses of equipment in the console (included by console/urls.py under "equipment/", in
its namespace): work orders, the asset register, its import, maintenance plans."""

from django.urls import path

from amends.console import equipment_asset_views as assets
from amends.console import equipment_views as views

urlpatterns = [
    path("", views.work_orders, name="work_orders"),
    path("wo/<str:number>/", views.work_order, name="work_order"),
    path("wo/<str:number>/do/<slug:name>/", views.work_order_act, name="work_order_act"),
    path("wo/<str:number>/photo/<int:pk>/", views.work_order_photo, name="work_order_photo"),
    path(
        "from-complaint/<str:reference>/",
        views.work_order_from_complaint,
        name="work_order_from_complaint",
    ),
    path("assets/", assets.assets, name="assets"),
    path("assets/new/", assets.asset_new, name="asset_new"),
    path("assets/import/", assets.asset_import, name="asset_import"),
    path("assets/import/<int:pk>/", assets.asset_import_status, name="asset_import_status"),
    path("assets/<int:pk>/", assets.asset, name="asset"),
    path("assets/<int:pk>/edit/", assets.asset_edit, name="asset_edit"),
    path("assets/<int:pk>/photo/", assets.asset_photo, name="asset_photo"),
    path("assets/<int:pk>/service/", assets.asset_service, name="asset_service"),
    path("assets/<int:pk>/report/", assets.asset_report, name="asset_report"),
    path("assets/<int:pk>/retire/", assets.asset_retire, name="asset_retire"),
    path("assets/<int:pk>/plans/new/", assets.plan_new, name="plan_new"),
    path("plans/", assets.plans, name="plans"),
    path("plans/<int:pk>/", assets.plan_edit, name="plan_edit"),
]
