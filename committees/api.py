"""Committees API (filled in below): /api/v1/committees/, /meetings/, /partner-units/,
/services/, /resources/, /activities/."""


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
