"""One phone rule for every import and form: the residents' import and the 12345 work-order
import accept and refuse the same numbers, store them the same way, and say why in Chinese."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from grids.phones import clean_phone, normalise_phone

SAME = [("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"),
        ("(0871) 6512-3456", "0871-65123456"), ("010-62345678", "010-62345678"), ("", "")]
BAD = ["12ab", "12345678901234", "65123456", "0871-0123456", "12345", "１３８１２３４５６７８"]


@pytest.mark.parametrize(("raw", "clean"), SAME)
def test_a_number_is_cleaned_the_same_way_everywhere(raw, clean):
    assert clean_phone(raw) == clean


@pytest.mark.parametrize("raw", BAD)
def test_a_bad_number_is_explained_in_chinese(raw):
    assert normalise_phone(raw) is None
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        clean_phone(raw)
    assert "手机" in error.value.messages[0]
