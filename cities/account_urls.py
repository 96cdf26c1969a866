"""URLs under /accounts/ (login and logout are in the root URLconf, named "login" and "logout")."""

from django.urls import path

from . import account_views as views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("welcome/<uidb64>/<token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("logout_everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("invite/", views.invite_person, name="invite"),
    path("mfa/", views.mfa_manage, name="mfa"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery_codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/disable/", views.mfa_disable, name="mfa_disable"),
]
