"""What a resident wrote, made fit for the public board (公示): numbers long enough to be a
phone, ID or door number become asterisks, and people's names keep only the family name.

Pure functions: the caller brings the names (the community's registry, the reporter's name).
The result is a suggestion for staff, who approve or edit it before anything is published;
`has_unmasked_number` is the check an approved text must pass.
"""

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

# Chinese numerals read out digit by digit (幺 for 1 and 两 for 2 over the phone).
CHINESE_DIGITS = "〇零一二三四五六七八九幺两"
# \d is any Unicode decimal digit, full-width ０-９ included.
_DIGIT = rf"[\d{CHINESE_DIGITS}]"
# What people put between the groups of a number: spaces, hyphens and dashes, dots, slashes,
# and the brackets around an area code.
_SEPARATOR = r"[ \t\u00a0\u3000\-‐‑–—－.．/／()（）]"
# Five or more digits, with up to three separators between two of them, and the X an ID
# number may end with. Five digits in a row are rare in ordinary words (一二, 三五 are short).
NUMBER = re.compile(
    rf"{_DIGIT}(?:{_SEPARATOR}{{0,3}}{_DIGIT}){{4,}}(?:{_SEPARATOR}?[XxＸｘ](?![A-Za-z]))?")
NUMBER_MASK = "***"
# A registry name worth looking for: two to four Chinese characters.
_CHINESE_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,4}$")


def mask_numbers(text: str) -> str:
    return NUMBER.sub(NUMBER_MASK, text)


def has_unmasked_number(text: str) -> bool:
    """Whether `text` still holds a phone-, ID- or door-number-like run of digits."""
    return NUMBER.search(text) is not None


def is_registry_name(name: str) -> bool:
    return bool(_CHINESE_NAME.match(name))


def mask_name(name: str) -> str:
    """李建华 -> 李**: the family name character, then one asterisk per other character."""
    return name[:1] + "*" * (len(name) - 1)


def mask_names(text: str, *, names: AbstractSet[str] = frozenset(),
               extra_names: Iterable[str] = ()) -> str:
    """Every occurrence of one of `names` (a set of 2-4 character names, e.g. the community's
    registry) or `extra_names` (e.g. the reporter's name, of any length from 2) masked by
    `mask_name`, the longest name first where two start at the same place.

    One pass over the text with a set lookup per position and length, so the cost does not
    grow with the number of names."""
    extra = {name for name in extra_names if name and len(name) >= 2}
    lengths = sorted({2, 3, 4} | {len(name) for name in extra}, reverse=True)
    masked: list[str] = []
    at = 0
    while at < len(text):
        for length in lengths:
            chunk = text[at:at + length]
            if len(chunk) == length and (chunk in names or chunk in extra):
                masked.append(mask_name(chunk))
                at += length
                break
        else:
            masked.append(text[at])
            at += 1
    return "".join(masked)


def mask_text(text: str, *, names: AbstractSet[str] = frozenset(),
              extra_names: Iterable[str] = ()) -> str:
    """`text` with long numbers and the given names masked (see the module's docstring)."""
    return mask_names(mask_numbers(text), names=names, extra_names=extra_names)
