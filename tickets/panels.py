"""Panels other apps add to the staff ticket page, without tickets importing them.

An app registers a function in its AppConfig.ready: `register(func)`, where
`func(*, ticket, user)` returns None (nothing to show for this ticket) or a Panel: a title, the
template that renders it, and that template's context. Each function must cost a constant
number of queries: it runs on every ticket page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    from .models import Ticket


@dataclass(frozen=True)
class Panel:
    title: "StrOrPromise"
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelFunction = Callable[..., Panel | None]
_registry: list[PanelFunction] = []


def register(func: PanelFunction) -> PanelFunction:
    """Show `func`'s panel on every ticket page (registering twice adds it once)."""
    if func not in _registry:
        _registry.append(func)
    return func


def panels_for(*, ticket: "Ticket", user: "User") -> list[Panel]:
    found = (func(ticket=ticket, user=user) for func in _registry)
    return [panel for panel in found if panel is not None]
