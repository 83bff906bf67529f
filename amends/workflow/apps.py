from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "amends.workflow"
    verbose_name = _("Workflow rules")

    def ready(self) -> None:
        # Connects the signals that keep the per-process configuration cache fresh, in every
        # process that can write configuration (the admin included).
        from amends.workflow import cache  # noqa: F401
