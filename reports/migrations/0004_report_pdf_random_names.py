"""Report PDFs stored under guessable names (report-<round>-v<n>-draft.pdf) move to random
names; the download view gives readers a readable name."""

import re
import uuid

from django.db import migrations

GUESSABLE = re.compile(r"^reports/round-\d+/")


def rename_stored_pdfs(apps, schema_editor):
    ReportPdf = apps.get_model("reports", "ReportPdf")
    for stored in ReportPdf.objects.exclude(file="").iterator():
        old = stored.file.name
        if not GUESSABLE.match(old):
            continue
        storage = stored.file.storage
        new = f"reports/{uuid.uuid4().hex}.pdf"
        if storage.exists(old):
            with storage.open(old, "rb") as handle:
                new = storage.save(new, handle)
            storage.delete(old)
        # A missing file keeps its record with the new name: the next render replaces it.
        ReportPdf.objects.filter(pk=stored.pk).update(file=new)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_report_pdf")]

    operations = [migrations.RunPython(rename_stored_pdfs, migrations.RunPython.noop)]
