"""What the API app tells the apps above it (the audit trail listens; nothing here imports it)."""

from django.dispatch import Signal

# sender: the model class; kwargs: user (whose token or address), obj (the ApiToken or CalendarFeed),
# change ("created" or "revoked").
credential_changed = Signal()
