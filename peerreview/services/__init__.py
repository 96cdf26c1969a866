"""Services: the functions that change state. Views and tasks call these, nothing else writes."""
