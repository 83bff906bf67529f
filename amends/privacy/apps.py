from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "amends.privacy"
    label = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The lower layers never import privacy: it plugs itself in here.
        from amends.privacy import hooks

        hooks.connect()
