"""Form helpers shared by the apps' pages."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")

# The years a page or an API filter accepts. Beyond 1..9999 Python's dates fail (a year lookup
# raised ValueError, a 500); the narrower range says what a person can mean.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def validate_year(value: int) -> None:
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(_("Enter a year from %(first)s to %(last)s."), code="year",
                              params={"first": FIRST_YEAR, "last": LAST_YEAR})


class YearField(forms.IntegerField):
    """A calendar year between FIRST_YEAR and LAST_YEAR; any other number is a field error."""

    default_validators = [validate_year]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole), so the
    page says which field is wrong and nothing half-saved is shown as saved."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def save_with(form: forms.Form, write: Callable[[dict[str, Any]], T]) -> T | None:
    """Run the service `write` on the form's cleaned data when the form is valid. Its
    ValidationError goes on the form (see add_service_errors). The service's result, or None
    when the page must show the form again."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
