"""Signals other apps may listen to without this app knowing them (the network's library
indexes a report when it is published; `reports` never imports `network`)."""

from django.dispatch import Signal

# Sent inside the publishing transaction, with `report` (the SummaryReport just published).
report_published = Signal()

# Sent inside the city's transaction when a published report's readership is widened, with
# `report` (already saved with its new level) and `previous` (the level it had).
publication_level_changed = Signal()
