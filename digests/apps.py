from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        # Connects digests' receivers to the signals papers sends.
        from digests import receivers  # noqa: F401
