"""Signals the peerreview app (and apps above it) send for others to record; the audit app
listens. Defined here, the lowest app that sends them, so senders never import the listener."""

from django.dispatch import Signal

# A person downloaded a stored file of a round.
# kwargs: request, user, round_id, kind ("evidence" | "report_pdf"), instance (the model row), name
file_downloaded = Signal()

# `services.versioning.save_versioned` wrote fields with a conditional UPDATE (no save(), so
# no post_save). kwargs: instance (as saved), actor, changes {field: (old, new)}
versioned_saved = Signal()

# Names that published documents of these rounds may show were removed (services.retention.
# names_removed_from): reports makes their published PDFs again. kwargs: round_ids (a list)
names_removed = Signal()
