"""The one rule for a phone number typed by a person or read from a file: a mainland mobile
(11 digits) or a landline with its area code. Every import, the public report and the staff
look-ups clean a number here, so a number accepted in one place is accepted in all of them and
is stored the same way (a mobile as 11 digits, a landline as area code, hyphen and number).

`grids.models.phone_validator` stays the storage rule of the model fields; every number cleaned
here passes it.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
