from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_log, name="log"),
    path("audit/export.csv", views.audit_export, name="export"),
    path("account/my-data.json", views.my_data, name="my_data"),
    path("account/erasure/", views.erasure_request, name="erasure_request"),
    path("account/erasure/withdraw/", views.erasure_withdraw, name="erasure_withdraw"),
    path("audit/erasure-requests/", views.erasure_list, name="erasure_list"),
    path("audit/erasure-requests/<int:request_id>/", views.erasure_review, name="erasure_review"),
]
