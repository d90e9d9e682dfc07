import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from residents.idnumbers import check_char, mask, parse

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


@st.composite
def valid_numbers(draw):
    first17 = f"{draw(regions)}{draw(birth_dates):%Y%m%d}{draw(sequences)}"
    return first17 + check_char(first17)


@given(valid_numbers())
def test_valid_numbers_are_accepted_with_their_birth_date_and_gender(number):
    parsed = parse(number)
    assert parsed.value == number
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert parsed.gender == ("M" if int(number[16]) % 2 else "F")


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.integers(1, 10))
def test_changing_any_single_character_is_rejected(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        return
    changed = number[:position] + new + number[position + 1:]
    with pytest.raises(ValidationError):
        parse(changed)


def test_a_lower_case_x_and_spaces_are_accepted():
    first17 = "11010519491231002"
    number = first17 + check_char(first17)
    assert number.endswith("X")
    assert parse(f" {number[:6]} {number[6:14]} {number[14:].lower()} ").value == number


def test_a_known_public_sample_number():
    assert parse("11010519491231002X").birth_date == dt.date(1949, 12, 31)
    assert parse("11010519491231002X").gender == "F"


def test_a_fifteen_digit_legacy_number_is_converted():
    parsed = parse("110105491231002")
    assert parsed.value == "11010519491231002X"


@pytest.mark.parametrize("raw, code", [
    ("12345", "id_format"),
    ("11010519491231002Y", "id_format"),
    ("11010519491332002X", "id_birth_date"),
    ("11010520991231002X", "id_birth_date"),
    ("11010519491231002", "id_format"),
    ("11010519491231003X", "id_check"),
])
def test_bad_numbers_say_what_is_wrong(raw, code):
    with pytest.raises(ValidationError) as error:
        parse(raw)
    assert error.value.code == code
    assert error.value.messages[0]


def test_a_wrong_check_character_is_explained_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        parse("11010519491231003X")
    assert "校验" in error.value.messages[0]


def test_masking_keeps_the_first_six_and_last_four():
    assert mask("11010519491231002X") == "110105********002X"


def test_digits_from_other_scripts_are_refused():
    # Python's \d matches any Unicode digit; an ID number has ASCII digits only.
    with pytest.raises(ValidationError):
        parse("4000߃0200008010000")
    with pytest.raises(ValidationError):
        parse("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")
