"""Evidence and report PDFs on an S3-compatible object store (django-storages) when STORAGE_BUCKET
is set, tested against moto's S3 server on loopback; local files under MEDIA_ROOT otherwise.
The storage setting is what the settings module builds from the environment (loaded in a fresh
interpreter), so the test checks the deployed configuration, not a copy of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from peerreview.models import EvidenceFile, RoundState
from peerreview.services.rounds import prepare_prereport
from reports import pdf as report_pdf
from reports.services import get_or_create_report
from tests.files import pdf_bytes

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"STORAGE_ACCESS_KEY_ID": "test-key", "STORAGE_SECRET_ACCESS_KEY": "test-secret"}


def _storages_from_environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_")}
    env.update(DJANGO_SETTINGS_MODULE="peerreview.config.settings", **extra)
    probe = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.STORAGES))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_bucket_files_are_local():
    assert _storages_from_environment()["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    """A new bucket on the loopback S3 server, and the default storage pointed at it as the
    settings configure it from STORAGE_* variables."""
    name = f"peerreview-{uuid.uuid4().hex[:12]}"
    storages = _storages_from_environment(
        STORAGE_BUCKET=name, STORAGE_ENDPOINT_URL=s3_server, STORAGE_REGION="eu-north-1", **KEYS
    )
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="eu-north-1",
        aws_access_key_id=KEYS["STORAGE_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["STORAGE_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    settings.STORAGES = storages
    yield s3, name


def _stored_objects(s3, name: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listed}


@pytest.mark.django_db
def test_evidence_and_report_pdf_go_to_the_bucket_and_come_back_through_the_checked_views(
    client, personas, bucket, settings
):
    s3, name = bucket
    review_round = personas.review_round
    review_round.state = RoundState.PREREPORT_OPEN
    review_round.save()
    prepare_prereport(review_round)
    client.force_login(personas.host_member)
    evidence_bytes = pdf_bytes("Procurement strategy")

    # The city uploads evidence through the pre-report page.
    response = client.post(
        reverse("peerreview:evidence_upload", kwargs={"round_id": review_round.pk}),
        {
            "evidence-file": SimpleUploadedFile("Strategia.pdf", evidence_bytes),
            "evidence-description": "Plan",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = EvidenceFile.objects.get()

    # The report is published and its PDF rendered (WeasyPrint) into the store.
    report = get_or_create_report(review_round)
    report.executive_summary = "The unit publishes its tender minutes."
    report.published_at = timezone.now()
    report.save()
    review_round.state = RoundState.PUBLISHED
    review_round.save()
    stored_pdf = report_pdf.ensure_pdf(report)

    objects = _stored_objects(s3, name)
    assert objects.keys() == {evidence.file.name, stored_pdf.file.name}
    assert objects[evidence.file.name] == evidence_bytes
    assert objects[stored_pdf.file.name].startswith(b"%PDF-")
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf")), "nothing is written to local disk"
    assert type(default_storage._wrapped).__name__ == "S3Storage"

    # Both come back through the views that check access, and only through them.
    evidence_url = reverse("peerreview:evidence_download", args=[review_round.pk, evidence.pk])
    response = client.get(evidence_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == evidence_bytes
    response = client.get(reverse("reports:report_pdf", kwargs={"round_id": review_round.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == objects[stored_pdf.file.name]

    client.force_login(personas.other_city_member)
    assert client.get(evidence_url).status_code in (403, 404)
