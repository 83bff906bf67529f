from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "amends.console"
    verbose_name = _("Staff console")

    def ready(self) -> None:
        # Connects the signals that keep the cached "has a second factor" answers fresh.
        from amends.console import security_auth  # noqa: F401
