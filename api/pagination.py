"""Page-number pagination with a maximum page size; a page past the end is a 404 that says
how many pages there are. A view may read its page from an equivalent queryset shaped for its
index (`rows_to_page`) while the count stays the plain one's."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from peerreview.paging import CountedPaginator


class Pagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:  # read per request, so settings overridden in tests apply
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        rows_to_page = getattr(view, "rows_to_page", None)
        if rows_to_page is None:
            paginator = self.django_paginator_class(queryset, page_size)
        else:
            paginator = CountedPaginator(rows_to_page(queryset), page_size, counted=queryset)
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError({self.page_query_param: [_("Give a page number: 1, 2, 3…")]}) from None
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise NotFound(
                _("There is no page %(page)d: this list has %(pages)d page(s) of %(size)d.")
                % {"page": number, "pages": paginator.num_pages, "size": page_size}
            ) from None
        return list(self.page)
