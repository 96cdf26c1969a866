from django.urls import path

from . import synthesis_views, views

app_name = "network"
urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/good-practice/", views.good_practice, name="good_practice"),
    path("programme/", synthesis_views.synthesis, name="synthesis"),
    path("programme/not-an-island/", synthesis_views.synthesis_messages, name="synthesis_messages"),
    path("programme/pdf/", synthesis_views.synthesis_pdf, name="synthesis_pdf"),
    path("programme/export/", synthesis_views.synthesis_export, name="synthesis_export"),
]
