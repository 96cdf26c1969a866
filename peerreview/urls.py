from django.urls import path

from .views import assessment, autosave, dashboard, history, panel, prereport, rounds, scoring

app_name = "peerreview"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:round_id>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/transition/", rounds.round_transition, name="round_transition"),
    path("rounds/<int:round_id>/cancel/", rounds.round_cancel, name="round_cancel"),
    path("rounds/<int:round_id>/dates/", rounds.round_dates, name="round_dates"),
    path("rounds/<int:round_id>/pre-report/", prereport.prereport_edit, name="prereport_edit"),
    path("rounds/<int:round_id>/pre-report/submit/", prereport.prereport_submit, name="prereport_submit"),
    path("rounds/<int:round_id>/pre-report/indicators/", prereport.indicators_edit, name="indicators_edit"),
    path("rounds/<int:round_id>/pre-report/evidence/", prereport.evidence_upload, name="evidence_upload"),
    path(
        "rounds/<int:round_id>/pre-report/autosave/", autosave.prereport_autosave, name="prereport_autosave"
    ),
    path("rounds/<int:round_id>/scoring/autosave/", autosave.scoring_autosave, name="scoring_autosave"),
    path("rounds/<int:round_id>/scores/autosave/", autosave.agreed_autosave, name="agreed_autosave"),
    path(
        "rounds/<int:round_id>/history/<slug:kind>/<int:unit_id>/",
        history.unit_history_view,
        name="unit_history",
    ),
    path(
        "rounds/<int:round_id>/history/<slug:kind>/<int:unit_id>/restore/<int:history_id>/",
        history.unit_restore,
        name="unit_restore",
    ),
    path(
        "rounds/<int:round_id>/evidence/<int:evidence_id>/",
        prereport.evidence_download,
        name="evidence_download",
    ),
    path(
        "rounds/<int:round_id>/evidence/<int:evidence_id>/delete/",
        prereport.evidence_delete,
        name="evidence_delete",
    ),
    path("rounds/<int:round_id>/panel/", panel.panel_manage, name="panel_manage"),
    path("invitations/<int:assignment_id>/", panel.invitation_respond, name="invitation_respond"),
    path("evaluator/profile/", panel.evaluator_profile, name="evaluator_profile"),
    path("rounds/<int:round_id>/scoring/", scoring.scoring_sheet, name="scoring_sheet"),
    path("rounds/<int:round_id>/scores/", scoring.score_overview, name="score_overview"),
    path("rounds/<int:round_id>/assessment/", assessment.assessment_planner, name="assessment_planner"),
    path(
        "rounds/<int:round_id>/assessment/days/<int:day_id>/sessions/new/",
        assessment.session_create,
        name="session_create",
    ),
    path(
        "rounds/<int:round_id>/assessment/sessions/<int:session_id>/",
        assessment.session_edit,
        name="session_edit",
    ),
    path(
        "rounds/<int:round_id>/assessment/sessions/<int:session_id>/delete/",
        assessment.session_delete,
        name="session_delete",
    ),
    # Not under days/: the planner's "add a session" links are the only ones there.
    path("rounds/<int:round_id>/assessment/day-<int:day_id>/", assessment.day_edit, name="day_edit"),
    path(
        "rounds/<int:round_id>/assessment/day-<int:day_id>/delete/", assessment.day_delete, name="day_delete"
    ),
    path("rounds/<int:round_id>/assessment/send/", assessment.programme_send, name="programme_send"),
    path(
        "rounds/<int:round_id>/assessment/settings/", assessment.programme_settings, name="programme_settings"
    ),
    path("rounds/<int:round_id>/assessment/programme.ics", assessment.programme_ics, name="programme_ics"),
    path(
        "rounds/<int:round_id>/assessment/interviewees/<int:interviewee_id>/withdraw-consent/",
        assessment.interviewee_withdraw_consent,
        name="interviewee_withdraw_consent",
    ),
]
