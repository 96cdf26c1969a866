from django.urls import path

from . import progress_views, sharing_views, views

app_name = "reports"
urlpatterns = [
    path("rounds/<int:round_id>/report/", views.report_view, name="report_view"),
    path("rounds/<int:round_id>/report/edit/", views.report_edit, name="report_edit"),
    path("rounds/<int:round_id>/report/autosave/", views.report_autosave, name="report_autosave"),
    path("rounds/<int:round_id>/report/actions/", views.actions_edit, name="actions_edit"),
    path("rounds/<int:round_id>/report/language/", views.report_language, name="report_language"),
    path("rounds/<int:round_id>/text-preview/", views.text_preview, name="text_preview"),
    path(
        "rounds/<int:round_id>/report/history/<slug:kind>/<slug:key>/",
        views.unit_history,
        name="unit_history",
    ),
    path("rounds/<int:round_id>/report/send-for-check/", views.send_for_factual_check, name="send_for_check"),
    path("rounds/<int:round_id>/report/factual-check/", views.factual_check, name="factual_check"),
    path(
        "rounds/<int:round_id>/report/factual-check/<int:comment_id>/answer/",
        views.factual_comment_resolve,
        name="factual_comment_resolve",
    ),
    path("rounds/<int:round_id>/report/publish/", views.publish, name="publish"),
    path("rounds/<int:round_id>/report/pdf/", views.report_pdf, name="report_pdf"),
    path("rounds/<int:round_id>/report/report.docx", views.report_docx, name="report_docx"),
    path("rounds/<int:round_id>/report/pdf/status/", views.report_pdf_status, name="report_pdf_status"),
    path("rounds/<int:round_id>/report/readers/", sharing_views.publication_level, name="publication_level"),
    path("public/reports/<int:round_id>/", sharing_views.public_report, name="public_report"),
    path("public/reports/<int:round_id>/pdf/", sharing_views.public_report_pdf, name="public_report_pdf"),
    path(
        "public/reports/<int:round_id>/report.docx",
        sharing_views.public_report_docx,
        name="public_report_docx",
    ),
    path(
        "public/reports/<int:round_id>/pdf/status/",
        sharing_views.public_report_pdf_status,
        name="public_report_pdf_status",
    ),
    path("rounds/<int:round_id>/export/scores/", views.export_scores, name="export_scores"),
    path("rounds/<int:round_id>/export/action-proposals/", views.export_proposals, name="export_proposals"),
    path("rounds/<int:round_id>/export/round.json", views.export_round_json, name="export_round_json"),
    path("exports/scores/", views.export_all_scores, name="export_all_scores"),
    path("exports/action-proposals/", views.export_all_proposals, name="export_all_proposals"),
    path("rounds/<int:round_id>/discussion/", views.discussion, name="discussion"),
    path(
        "rounds/<int:round_id>/discussion/<slug:thread>/", views.discussion_thread, name="discussion_thread"
    ),
    path("rounds/<int:round_id>/report/suggestions/", views.suggestions, name="suggestions"),
    path(
        "rounds/<int:round_id>/report/suggestions/<int:suggestion_id>/decide/",
        views.suggestion_decide,
        name="suggestion_decide",
    ),
    path("rounds/<int:round_id>/progress/", progress_views.action_progress, name="action_progress"),
    path("rounds/<int:round_id>/repeat/open/", progress_views.open_repeat_round, name="open_repeat_round"),
]
