from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("Actualités")

    def ready(self):
        # Imported here: models can be imported only once the app registry is ready.
        from campaign import http_cache
        from news import emails  # noqa: F401 - registers the kinds of email
        from news.models import Post

        http_cache.invalidate_pages_on_change(Post)
        # Pages showing posts expire when the next scheduled one appears.
        http_cache.add_horizon(Post.objects.next_publication)
