from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "amends.equipment"
    verbose_name = _("Equipment")

    def ready(self) -> None:
        from amends.equipment import privacy

        privacy.register()
