"""Evaluation frameworks: versioned themes, criteria with level descriptors, and indicators."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MATURITY_LEVELS = [
    (0, _("0 – not in place")),
    (1, _("1 – initial (ad hoc)")),
    (2, _("2 – defined (documented, applied in part)")),
    (3, _("3 – managed (systematic, followed with indicators)")),
    (4, _("4 – leading (measured, improved, shared with peers)")),
]
MATURITY_LABELS = dict(MATURITY_LEVELS)


class FrameworkQuerySet(models.QuerySet["Framework"]):
    def active(self) -> FrameworkQuerySet:
        return self.filter(is_active=True)

    def newest_version_of(self, slug: str) -> Framework | None:
        return self.filter(slug=slug).order_by("-version").first()


class Framework(models.Model):
    """A versioned evaluation framework. A round keeps the version it started with,
    so a framework in use is never edited: a change is a new version."""

    slug = models.SlugField(_("identifier"), max_length=80, help_text=_("Stays the same across versions."))
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("offered for new rounds"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # For the API's incremental sync (?updated_since=); the back office saves it with its themes.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="framework_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Theme(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="themes", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_scored = models.BooleanField(
        _("scored"), default=True, help_text=_("Unscored sections collect messages, not maturity scores.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="theme_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"


class Criterion(models.Model):
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("theme")
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["theme__order", "order"]
        constraints = [models.UniqueConstraint(fields=["theme", "code"], name="criterion_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_scored(self) -> bool:
        return self.theme.is_scored


class LevelDescriptor(models.Model):
    """What a maturity level looks like for one criterion; evaluators score by descriptor."""

    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="descriptors", verbose_name=_("criterion")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=MATURITY_LEVELS)
    text = models.TextField(_("what this level looks like"))

    class Meta:
        verbose_name = _("level descriptor")
        verbose_name_plural = _("level descriptors")
        ordering = ["criterion", "level"]
        constraints = [models.UniqueConstraint(fields=["criterion", "level"], name="descriptor_unique_level")]

    def __str__(self) -> str:
        return f"{self.criterion.code} L{self.level}"


class Indicator(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return self.name
