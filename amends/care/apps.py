from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "amends.care"
    verbose_name = _("Member care")

    def ready(self) -> None:
        # A data-subject request exports and erases what care keeps about the person.
        from amends.care import privacy
        from amends.privacy import registry

        privacy.register(registry)
