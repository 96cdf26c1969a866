"""Framework content is translated per language (django-modeltranslation adds _en/_fi/_sv fields)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Criterion, Framework, Indicator, LevelDescriptor, Theme


@register(Framework)
class FrameworkTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Criterion)
class CriterionTranslation(TranslationOptions):
    fields = ("title", "guidance")


@register(LevelDescriptor)
class LevelDescriptorTranslation(TranslationOptions):
    fields = ("text",)


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name",)
