from django.urls import path

from . import views

app_name = "cities"
urlpatterns = [
    path("profile/language/", views.set_language, name="set_language"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
]
