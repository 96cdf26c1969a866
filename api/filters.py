"""Filtering (django-filter) with two conventions of this API: every list takes
``?updated_since=`` (ISO 8601 date or date-time) for incremental sync, and a query parameter the
list does not know is a 400, never silently ignored (a typo would otherwise return everything)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Query parameters every list takes besides its filters.
PAGINATION_PARAMS = {"page", "page_size"}


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """``updated_since``: rows created or changed at or after the moment given. Which columns
    tell that is the filterset's ``updated_fields`` (any one of them), or its ``updated_since_q``."""

    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        label=gettext_lazy("Only what was created or changed at or after this moment (ISO 8601)."),
    )
    updated_fields: tuple[str, ...] = ("updated_at",)

    def updated_since_q(self, value) -> Q:
        condition = Q()
        for name in self.updated_fields:
            condition |= Q(**{f"{name}__gte": value})
        return condition

    def filter_updated_since(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(self.updated_since_q(value))


class StrictFilterBackend(DjangoFilterBackend):
    raise_exception = True

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) == "list" or getattr(view, "is_list", False):
            filterset_class = self.get_filterset_class(view, queryset)
            known = set(PAGINATION_PARAMS)
            if filterset_class is not None:
                known |= set(filterset_class.base_filters)
            unknown = sorted(set(request.query_params) - known)
            if unknown:
                raise ValidationError(
                    {
                        name: [
                            _("This list has no parameter “%(name)s”. It takes: %(known)s.")
                            % {"name": name, "known": ", ".join(sorted(known))}
                        ]
                        for name in unknown
                    }
                )
        return super().filter_queryset(request, queryset, view)
