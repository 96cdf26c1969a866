"""Back office for the secretariat: people, cities, memberships and conflicts."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import mfa
from .account_forms import AdminInviteUserForm
from .accounts import invite, unlock
from .admin_widgets import PasswordSummaryChangeForm, PlaceholderAutocompleteMixin
from .logos import validate_logo
from .models import City, CityLogo, DeclaredConflict, EvaluatorProfile, JointProcurementUnit, Membership, User
from .union_search import UnionSearchMixin


def _hide_device_admins() -> None:
    """django-otp registers its devices in the back office, where an authenticator's secret key
    (enough to make codes) could be read or set and codes added by hand. Devices are managed
    only on the person's own pages; a coordinator can only turn MFA off (action below)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_hide_device_admins()


class MembershipInline(PlaceholderAutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["city", "user"]


class EvaluatorProfileInline(PlaceholderAutocompleteMixin, admin.StackedInline):
    model = EvaluatorProfile
    extra = 0
    autocomplete_fields = ["home_city"]


class DeclaredConflictInline(PlaceholderAutocompleteMixin, admin.TabularInline):
    model = DeclaredConflict
    extra = 0
    autocomplete_fields = ["city"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """E-mail is the login; roles come from the coordinator flag, memberships and the evaluator profile."""

    ordering = ["full_name"]
    show_full_result_count = False  # a search's page counts its matches, not every person again
    list_display = ["full_name", "email", "is_coordinator", "language", "is_active", "mfa_enabled"]
    list_filter = ["is_coordinator", "is_staff", "is_active", "language"]
    search_fields = ["full_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "job_title", "language"]}),
        (_("Roles"), {"fields": ["is_coordinator", "is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    form = PasswordSummaryChangeForm
    # A new person gets no password from the coordinator: an e-mail invites them to set their own.
    add_form = AdminInviteUserForm
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "job_title", "language", "is_coordinator"],
                "description": _(
                    "The person receives an e-mail with a link to set their own password (valid for a limited time, once)."
                ),
            },
        ),
    ]
    inlines = [MembershipInline, EvaluatorProfileInline, DeclaredConflictInline]
    actions = ["send_invitation", "unlock_accounts", "turn_off_mfa"]

    def get_inlines(self, request, obj):
        # Adding asks only for the person; roles are added on the next page.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        if not change:
            invite(user=obj, actor=request.user)
            self.message_user(
                request,
                _("An invitation to set a password has been sent to %(email)s.") % {"email": obj.email},
            )

    @admin.action(description=_("Unlock (clear failed logins)"))
    def unlock_accounts(self, request, queryset) -> None:
        """End a lockout after too many wrong passwords before its time runs out."""
        unlocked = [person for person in queryset if unlock(user=person)]
        self.message_user(
            request,
            ngettext(
                "%(count)d account unlocked.",
                "%(count)d accounts unlocked.",
                len(unlocked),
            )
            % {"count": len(unlocked)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Turn off two-factor authentication (lost phone)"))
    def turn_off_mfa(self, request, queryset) -> None:
        """For a person who lost both their phone and their recovery codes; they set it up again
        at their next login if they must have it."""
        people = [person for person in queryset if person.mfa_enabled and person.pk != request.user.pk]
        for person in people:
            mfa.disable(user=person, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication turned off for %(count)d person.",
                "Two-factor authentication turned off for %(count)d people.",
                len(people),
            )
            % {"count": len(people)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Send an invitation to set a password"))
    def send_invitation(self, request, queryset) -> None:
        people = list(queryset.filter(is_active=True))
        for person in people:
            invite(user=person, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "An invitation has been sent to %(count)d person.",
                "Invitations have been sent to %(count)d people.",
                len(people),
            )
            % {"count": len(people)},
            messages.SUCCESS,
        )


class CityAdminForm(forms.ModelForm):
    """The city, and its logo for the report's cover (checked like evidence images)."""

    logo_file = forms.FileField(
        label=_("Logo for the report's cover"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB and 4000 pixels on each side."),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = City
        fields = [
            "name",
            "country",
            "region",
            "population",
            "procurement_unit",
            "languages",
            "timezone",
            "annual_procurement_spend_eur",
            "joint_procurement_units",
        ]

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        return validate_logo(upload, upload.name, upload.size)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    form = CityAdminForm
    show_full_result_count = False  # a search's page counts its matches, not every city again
    list_display = ["name", "country", "region", "population", "procurement_unit"]
    list_filter = ["country"]
    search_fields = ["name", "region", "procurement_unit"]
    autocomplete_fields = ["joint_procurement_units"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        logo = form.cleaned_data.get("logo_file")
        if logo:
            image, content_type = logo
            CityLogo.objects.update_or_create(
                city=obj, defaults={"image": image, "content_type": content_type, "uploaded_by": request.user}
            )
        elif form.cleaned_data.get("remove_logo"):
            CityLogo.objects.filter(city=obj).delete()


@admin.register(JointProcurementUnit)
class JointProcurementUnitAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(EvaluatorProfile)
class EvaluatorProfileAdmin(PlaceholderAutocompleteMixin, UnionSearchMixin, admin.ModelAdmin):
    list_display = ["user", "home_city", "expertise", "languages"]
    list_select_related = ["user", "home_city"]
    list_filter = ["home_city__country"]
    search_fields = ["user__full_name", "user__email", "home_city__name"]
    autocomplete_fields = ["user", "home_city"]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(PlaceholderAutocompleteMixin, admin.ModelAdmin):
    list_display = ["evaluator", "city", "reason", "declared_at"]
    list_select_related = ["evaluator", "city"]
    autocomplete_fields = ["evaluator", "city"]
