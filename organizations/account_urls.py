from django.contrib.auth import views as auth_views
from django.urls import path

from organizations import account_views, two_factor_views

urlpatterns = [
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("login/two-factor/", two_factor_views.sign_in_second_step, name="login_two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", account_views.sign_up, name="signup"),
    path("password/", account_views.password_change, name="password_change"),
    path("security/", account_views.security, name="account_security"),
    path("security/sign-out-everywhere/", account_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("security/authenticator-app/", two_factor_views.totp_setup, name="two_factor_totp_setup"),
    path("security/authenticator-app/remove/", two_factor_views.totp_remove, name="two_factor_totp_remove"),
    path("security/passkeys/add/", two_factor_views.passkey_add, name="two_factor_passkey_add"),
    path(
        "security/passkeys/<int:passkey_id>/remove/",
        two_factor_views.passkey_remove,
        name="two_factor_passkey_remove",
    ),
    path(
        "security/recovery-codes/new/",
        two_factor_views.recovery_codes_regenerate,
        name="two_factor_recovery_codes_regenerate",
    ),
    path("security/recovery-codes/", two_factor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("security/password-compromised/", account_views.password_compromised, name="password_compromised"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/set_password.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/set_password_done.html"),
        name="password_reset_complete",
    ),
    path("confirm-password/", account_views.confirm_password, name="confirm_password"),
    path("organizations/new/", account_views.organization_new, name="organization_new"),
]
