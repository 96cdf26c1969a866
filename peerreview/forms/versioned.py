"""A form mixin that remembers which version of a unit the person started from.

Two hidden fields travel with every editable unit: ``base_version`` and ``base_digests``
(a digest of each versioned field as loaded). ``peerreview.services.versioning.save_versioned``
uses them to write only what this person changed and to refuse a stale save of a field someone
else changed since. After a conflict, ``rebase_on`` points the hidden fields at the current
version while the person's own text stays in the form, so the next save is a deliberate merge.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ..services.versioning import base_digests, decode_digests, encode_digests


class VersionedFormMixin:
    """Mix into a ModelForm; set ``versioned_fields`` to the model fields people write."""

    versioned_fields: list[str] = []

    def add_version_fields(self) -> None:
        instance = self.instance  # type: ignore[attr-defined]
        self.fields["base_version"] = forms.IntegerField(  # type: ignore[attr-defined]
            widget=forms.HiddenInput, required=False, initial=instance.version
        )
        self.fields["base_digests"] = forms.CharField(  # type: ignore[attr-defined]
            widget=forms.HiddenInput,
            required=False,
            initial=encode_digests(base_digests(instance, self.versioned_fields)),
        )

    def model_values(self) -> dict[str, Any]:
        """The submitted values as model field values; override when the form maps fields."""
        return {name: self.cleaned_data.get(name) for name in self.versioned_fields}  # type: ignore[attr-defined]

    def base(self) -> tuple[int, dict[str, str]]:
        """(version, digests) the person started from; a form without them counts as all changed."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        version = data.get("base_version")
        return (version if version is not None else -1), decode_digests(data.get("base_digests") or "")

    def rebase_on(self, current) -> None:
        """After a conflict: keep the typed text, take the current version as the new base."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("base_version")] = str(current.version)  # type: ignore[attr-defined]
        data[self.add_prefix("base_digests")] = encode_digests(  # type: ignore[attr-defined]
            base_digests(current, self.versioned_fields)
        )
        self.data = data
