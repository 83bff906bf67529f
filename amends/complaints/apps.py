from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ComplaintsConfig(AppConfig):
    name = "amends.complaints"
    verbose_name = pgettext_lazy("the application", "Complaints")
