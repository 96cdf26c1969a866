"""Root URLconf: the composition root wires the apps together."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from peerreview.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("cities.account_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("api.web_urls")),
    path("", include("audit.urls")),
    path("", include("cities.urls")),
    path("", include("reports.urls")),
    path("", include("network.urls")),
    path("", include("peerreview.urls")),
]
# No /media/ route, in DEBUG either: stored files leave only through views that check access
# (peerreview.downloads).
