from django.urls import path

from . import views
from .autocomplete import choices_view

app_name = "cities"
urlpatterns = [
    path("profile/language/", views.set_language, name="set_language"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    # Searchable choices (cities.autocomplete): one page of JSON, only what the person may choose.
    path("choices/<slug:source>/", choices_view, name="choices"),
]
