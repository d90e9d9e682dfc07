"""Shared API building blocks."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission

from . import permissions
from .forms import FIRST_YEAR, LAST_YEAR, YearField

T = TypeVar("T")


def capability_of(view, method: str = "") -> str | None:
    """The capability (gridportal.permissions) a view's action needs: `capabilities` maps an
    action (a viewset action, or an HTTP method in lower case for a plain view) to its code, with
    "*" for the others. None when the view names none."""
    capabilities = getattr(view, "capabilities", None) or {}
    action = getattr(view, "action", None) or method.lower()
    return capabilities.get(action) or capabilities.get("*")


class HoldsCapability(BasePermission):
    """Every API view names the capability each action needs; a caller whose roles grant it
    nowhere gets 403. Which objects they may touch is then the selectors' business (404 outside
    scope). A view that names none is closed to everyone but administrators."""

    message = "Your role does not give access to this."

    def has_permission(self, request, view) -> bool:
        code = capability_of(view, request.method)
        if code is None:
            return permissions.is_admin(request.user)
        return bool(request.user and permissions.has(request.user, code))


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdFilter(filters.ModelChoiceFilter):
    """An object chosen by id among those the caller may see; any other id is a 400, the same
    as for a missing one."""


@extend_schema_field({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
class YearFilter(filters.NumberFilter):
    """Objects of one calendar year of a date field; a year out of range is a 400 naming it."""

    field_class = YearField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "year")
        super().__init__(*args, **kwargs)


def nesting_exceeds(data: object, limit: int) -> bool:
    """Whether parsed JSON nests lists and objects more than `limit` deep (walked without
    recursion, so no input can exhaust the stack here)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = (value.values() if isinstance(value, dict)
                    else value if isinstance(value, list) else None)
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (the default for every API view), with a bound on nesting.

    Python's json module raises RecursionError, not ValueError, on a document nested about a
    thousand deep; DRF's parser lets it through and the request answered 500. Here it is a
    ParseError (400), and so is anything nested deeper than MAX_DEPTH, which no request of
    this API needs and which serializers and services would otherwise walk recursively.
    """

    MAX_DEPTH = 32

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = nesting_exceeds(data, self.MAX_DEPTH)
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ParseError(_("JSON parse error: nested more than %(depth)s levels deep.")
                             % {"depth": self.MAX_DEPTH})
        return data


def service_errors(call: Callable[[], T]) -> T:
    """Run a service: its ValidationError becomes a 400 with field messages, PermissionDenied a
    403."""
    try:
        return call()
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict")
                              else {"non_field_errors": error.messages}) from error
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error)) from error


class ScopedChoicesMixin:
    """Narrow the related fields named in `scopes` (field name -> a function of the user giving
    the queryset a caller may pick from) to what the requesting user may see.

    Only fields present in the submitted data are narrowed (each scope costs a query); the
    others keep an empty queryset, so nothing outside scope can ever be chosen.
    """

    scopes: dict[str, Callable] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        submitted = getattr(self, "initial_data", None)
        # A body that is not an object (`true`, a list) is refused by validation (400) later.
        if request is None or not isinstance(submitted, Mapping):
            return
        for name in self.scopes.keys() & self.fields.keys() & set(submitted):
            field = self.fields[name]
            if isinstance(field, serializers.PrimaryKeyRelatedField):
                field.queryset = self.scopes[name](request.user)
