from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "amends.orgs"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        # Connects the signals that keep the cached role grants fresh (`orgs/cache.py`).
        from amends.orgs import cache  # noqa: F401
