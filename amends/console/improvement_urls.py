"""The improvement actions' pages in the console (整改, quarterly review)."""

from django.urls import path

from amends.console import improvement_views as views

urlpatterns = [
    path("", views.improvements, name="improvements"),
    path("new/", views.improvement_new, name="improvement_new"),
    path("review/", views.quarterly_review, name="quarterly_review"),
    path("<int:pk>/", views.improvement, name="improvement"),
    path("<int:pk>/do/<slug:name>/", views.improvement_act, name="improvement_act"),
]
