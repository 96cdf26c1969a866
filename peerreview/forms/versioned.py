"""A form mixin that remembers which version of a unit the person started from.

Two hidden fields travel with every editable unit: ``base_version`` and ``base_digests``
(a digest of each versioned field as loaded). ``peerreview.services.versioning.save_versioned``
uses them to write only what this person changed and to refuse a stale save of a field someone
else changed since. After a save or a conflict, ``rebase_on`` moves the hidden fields on for
what the page now shows as saved (and for the fields of a conflict, whose both versions the
person sees) while the person's own text stays in the form, so the next save is a deliberate
merge and a colleague's change to a field the page still shows stale is never written over.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ..services.versioning import base_digests, decode_digests, encode_digests, rebased


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

    def rebase_on(self, current, accepted: list[str] | tuple[str, ...] = ()) -> None:
        """After a save or a conflict: keep the typed text; take as the new base what the page
        and the saved unit agree on, and the fields of a conflict (``accepted``), whose both
        versions the person now sees (``services.versioning.rebased``). Call on a valid form."""
        version, base = self.base()
        version, digests = rebased(
            base_version=version,
            base=base,
            values=self.model_values(),
            current=current,
            fields=list(self.versioned_fields),
            accepted=accepted,
        )
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("base_version")] = str(version)  # type: ignore[attr-defined]
        data[self.add_prefix("base_digests")] = encode_digests(digests)  # type: ignore[attr-defined]
        self.data = data

    def rebase_on_conflict(self, conflict) -> None:
        """``rebase_on`` the unit as saved now, accepting the fields in conflict."""
        self.rebase_on(conflict.current, accepted=[item.field for item in conflict.conflicts])

    def current_base(self) -> dict[str, str]:
        """The hidden base fields as the page should hold them now (for the autosave answer)."""
        return {
            "base_version": self.data.get(self.add_prefix("base_version"), ""),  # type: ignore[attr-defined]
            "base_digests": self.data.get(self.add_prefix("base_digests"), ""),  # type: ignore[attr-defined]
        }
