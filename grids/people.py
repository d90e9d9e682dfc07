"""How people are named on screen."""

import re

from django.contrib.auth.models import AbstractBaseUser

_CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(user: AbstractBaseUser) -> str:
    """Chinese names read family name first with no space (刘晓燕); others as Django does."""
    first, last = getattr(user, "first_name", ""), getattr(user, "last_name", "")
    if first or last:
        if _CJK.search(first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()
    return user.get_username()
