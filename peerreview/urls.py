from django.urls import path

app_name = "peerreview"
urlpatterns: list = []
