"""The shared pager's page numbers (templates/includes/pagination.html)."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()


@register.simple_tag
def page_numbers(page: Page) -> list:
    """The numbers around the page shown, elided (a template cannot pass the page's number to
    `get_elided_page_range`, which would elide around page 1)."""
    return list(page.paginator.get_elided_page_range(page.number))
