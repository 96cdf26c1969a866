"""A framework in use by a round is never edited (a round keeps the version it started with):
a change is made in a new version, copied here from the one in use."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Max

from ..models import Criterion, Framework, Indicator, LevelDescriptor, Round, Theme


def is_in_use(framework_id: int | None) -> bool:
    return framework_id is not None and Round.objects.filter(framework_id=framework_id).exists()


def _copy(instance: models.Model, **changes) -> models.Model:
    """A new row with the instance's field values (translations included) and `changes`."""
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    }
    values.update(changes)
    return type(instance).objects.create(**values)


@transaction.atomic
def copy_as_new_version(*, framework: Framework) -> Framework:
    """The framework's content as the next version of its slug, not offered for new rounds
    until a coordinator turns it on (after editing it)."""
    highest = Framework.objects.filter(slug=framework.slug).aggregate(v=Max("version"))["v"] or 0
    new = _copy(framework, version=highest + 1, is_active=False)
    for theme in Theme.objects.filter(framework=framework):
        new_theme = _copy(theme, framework_id=new.pk)
        for criterion in Criterion.objects.filter(theme=theme):
            new_criterion = _copy(criterion, theme_id=new_theme.pk)
            for descriptor in LevelDescriptor.objects.filter(criterion=criterion):
                _copy(descriptor, criterion_id=new_criterion.pk)
    for indicator in Indicator.objects.filter(framework=framework):
        _copy(indicator, framework_id=new.pk)
    return new
