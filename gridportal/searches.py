"""Searches by a personal number (a phone, an ID number) arrive by POST and are kept in the
session under a random token; the result pages carry only the token (`?search=`), so no number
reaches a URL, a browser history or an access log. Each page keeps its own few searches."""

import secrets

from django.http import HttpRequest

MAX_SEARCHES = 10


def store_search(request: HttpRequest, key: str, criteria: dict) -> str:
    """Keep `criteria` in the session under `key`; the token to put in the result page's URL."""
    searches = request.session.get(key, {})
    while len(searches) >= MAX_SEARCHES:
        searches.pop(next(iter(searches)))
    token = secrets.token_urlsafe(12)
    searches[token] = criteria
    request.session[key] = searches
    return token


def stored_search(request: HttpRequest, key: str) -> dict | None:
    """The criteria behind the request's `?search=` token, None when absent or expired."""
    token = request.GET.get("search", "")
    return request.session.get(key, {}).get(token) if token else None
