"""What this app does when a ticket takes a step (tickets.signals)."""
