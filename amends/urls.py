from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "amends"
admin.site.site_title = "amends"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("console/", include("amends.console.urls")),
    path("api/v1/", include("amends.api.urls")),
    path("", include("amends.public.urls")),
    path("", RedirectView.as_view(pattern_name="console:dashboard", permanent=False)),
]

if settings.AMENDS_BENCH:  # the ceiling of `amends bench intake` (bench mode only)
    from amends.cli.bench import ceiling

    urlpatterns.insert(0, path("bench/ceiling/", ceiling.insert, name="bench_ceiling"))
