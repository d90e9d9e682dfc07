"""Chinese resident identity numbers (GB 11643-1999): validation, legacy conversion, masking.

An 18-character number is a 6-digit region code, an 8-digit birth date, a 3-digit sequence whose
last digit is odd for men and even for women, and a check character (0-9 or X) computed with the
ISO 7064 MOD 11-2 weights. 15-digit numbers issued before 1999 omit the century and the check
character; they are converted to 18 characters.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_SEPARATORS = re.compile(r"[\s\-]")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    return _SEPARATORS.sub("", (raw or "").translate(_FULL_WIDTH)).upper()


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def gender(self) -> str:
        return "M" if int(self.value[16]) % 2 else "F"

    @property
    def masked(self) -> str:
        return mask(self.value)


def mask(value: str) -> str:
    """First six and last four characters; the birth date and sequence are hidden."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _birth_date_or_error(digits: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number (%(date)s) does not exist."),
            code="id_birth_date", params={"date": digits},
        ) from None
    if born > today or born.year < 1880:
        raise ValidationError(
            _("The birth date inside this ID number (%(date)s) is not possible."),
            code="id_birth_date", params={"date": born.isoformat()},
        )
    return born


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate `raw` and return the 18-character number, or raise ValidationError (in Chinese
    when the active language is Chinese) saying what is wrong."""
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, no time zone involved
    value = normalise(raw)
    if re.fullmatch(r"[0-9]{15}", value):
        _birth_date_or_error("19" + value[6:12], today)
        first17 = value[:6] + "19" + value[6:]
        return IdNumber(first17 + check_char(first17))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a last digit or X "
              "(or 15 digits for an old card)."),
            code="id_format",
        )
    if value[0] == "0" or value[:2] == "00":
        raise ValidationError(_("This ID number has no valid region code."), code="id_region")
    _birth_date_or_error(value[6:14], today)
    expected = check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check character of this ID number is wrong: please check every digit."),
            code="id_check",
        )
    return IdNumber(value)


def validate_id_number(raw: str) -> None:
    parse(raw)
