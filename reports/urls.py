from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("rounds/<int:round_id>/report/", views.report_view, name="report_view"),
    path("rounds/<int:round_id>/report/edit/", views.report_edit, name="report_edit"),
    path("rounds/<int:round_id>/report/actions/", views.actions_edit, name="actions_edit"),
    path("rounds/<int:round_id>/report/send-for-check/", views.send_for_factual_check, name="send_for_check"),
    path("rounds/<int:round_id>/report/factual-check/", views.factual_check, name="factual_check"),
    path("rounds/<int:round_id>/report/publish/", views.publish, name="publish"),
]
