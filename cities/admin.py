"""Back office for the secretariat: people, cities, memberships and conflicts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import City, DeclaredConflict, EvaluatorProfile, JointProcurementUnit, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["city"]


class EvaluatorProfileInline(admin.StackedInline):
    model = EvaluatorProfile
    extra = 0
    autocomplete_fields = ["home_city"]


class DeclaredConflictInline(admin.TabularInline):
    model = DeclaredConflict
    extra = 0
    autocomplete_fields = ["city"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """E-mail is the login; roles come from the coordinator flag, memberships and the evaluator profile."""

    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_coordinator", "language", "is_active"]
    list_filter = ["is_coordinator", "is_staff", "is_active", "language"]
    search_fields = ["full_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "job_title", "language"]}),
        (_("Roles"), {"fields": ["is_coordinator", "is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    inlines = [MembershipInline, EvaluatorProfileInline, DeclaredConflictInline]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region", "population", "procurement_unit"]
    list_filter = ["country"]
    search_fields = ["name", "region", "procurement_unit"]
    filter_horizontal = ["joint_procurement_units"]
    inlines = [MembershipInline]


@admin.register(JointProcurementUnit)
class JointProcurementUnitAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(EvaluatorProfile)
class EvaluatorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "home_city", "expertise", "languages"]
    list_select_related = ["user", "home_city"]
    list_filter = ["home_city__country"]
    search_fields = ["user__full_name", "user__email", "home_city__name"]
    autocomplete_fields = ["user", "home_city"]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(admin.ModelAdmin):
    list_display = ["evaluator", "city", "reason", "declared_at"]
    list_select_related = ["evaluator", "city"]
    autocomplete_fields = ["evaluator", "city"]
