"""Shared API building blocks."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination

T = TypeVar("T")


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdFilter(filters.ModelChoiceFilter):
    """An object chosen by id among those the caller may see; any other id is a 400, the same
    as for a missing one."""


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
