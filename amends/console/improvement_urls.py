"""The improvement actions' pages in the console (整改, quarterly review)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
