from django.apps import AppConfig


def _invalidate_public_cache(sender, **kwargs) -> None:
    from digests.services.cache import public_cache_invalidate

    public_cache_invalidate()


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        from papers.signals import public_data_changed

        public_data_changed.connect(_invalidate_public_cache, dispatch_uid="digests-public-cache")
