from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/good-practice/", views.good_practice, name="good_practice"),
]
