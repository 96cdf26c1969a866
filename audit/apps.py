from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail sits above every other app: it listens to their signals and
    registers their models with django-auditlog; they never import it."""

    name = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.apps import apps

        from . import receivers  # noqa: F401 - connects the signal receivers
        from .rounds import MASKED_FIELDS, ROUND_DATA

        for label in ROUND_DATA:
            model = apps.get_model(label)
            if not auditlog.contains(model):
                auditlog.register(
                    model,
                    exclude_fields=["version", "updated_at", "current_due"],
                    mask_fields=MASKED_FIELDS.get(label, []),
                    mask_callable="audit.services.mask_personal_data",
                )
