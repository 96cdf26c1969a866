"""Pages around the API: the person's tokens and calendar address, and the calendar feed itself."""

from django.urls import path

from . import account_views as views

app_name = "api_access"
urlpatterns = [
    path("accounts/api/", views.tokens_page, name="tokens"),
    path("accounts/api/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/api/calendar/new/", views.calendar_create, name="calendar_create"),
    path("accounts/api/calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
]
