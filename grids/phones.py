"""The one rule for a phone number typed by a person or read from a file: a mainland mobile
(11 digits) or a landline with its area code. Every import, form, API serializer, the public
report and the staff look-ups clean a number here, so a number accepted in one place is accepted
in all of them and is stored the same way (a mobile as 11 digits, a landline as area code,
hyphen and number): forms use `PhoneFormField`, serializers `PhoneSerializerField`, and the model
fields' validator (`grids.models.phone_validator`) is `validate_phone`, the same rule.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

PHONE_ERROR = _("Enter an 11-digit mobile number starting with 1, or a landline with its area "
                "code, such as 0871-12345678.")

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only (\d takes any script's)
# Area codes: 010 and 020-029 have three digits, the others four; local numbers 7 or 8 digits.
_LANDLINE = re.compile(r"^(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）—－]")


def normalise_phone(raw: str) -> str | None:
    """A mainland mobile as 11 digits, a landline as area code, hyphen and number; None when the
    text is neither."""
    digits = _PHONE_NOISE.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    landline = _LANDLINE.match(digits)
    return f"{landline[1]}-{landline[2]}" if landline else None


def clean_phone(raw: str) -> str:
    """The number normalised, "" for an empty one; ValidationError (PHONE_ERROR) otherwise."""
    if not (raw or "").strip():
        return ""
    phone = normalise_phone(raw)
    if phone is None:
        raise ValidationError(PHONE_ERROR, code="phone")
    return phone


def phone_spellings(phone: str) -> list[str]:
    """How a normalised number may have been stored: a landline typed in by staff with or
    without its hyphen."""
    return [phone, phone.replace("-", "")] if "-" in phone else [phone]


def validate_phone(value: str) -> None:
    """The model fields' validator: the same rule (an empty value is left to `blank`)."""
    clean_phone(value)


class PhoneFormField(forms.CharField):
    """A form's phone number: cleaned by the rule, "" when empty (unless required)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)  # room for spaces and +86 before normalising
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel",
                                                           "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return clean_phone(super().to_python(value) or "")


class PhoneSerializerField(serializers.CharField):
    """An API phone number: cleaned by the rule; a bad one is a 400 naming the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return clean_phone(super().to_internal_value(data))
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
