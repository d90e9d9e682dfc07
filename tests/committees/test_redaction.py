"""The automatic masking of what residents wrote, before staff approve it for the public board:
numbers in every disguise, and names from the registry."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from committees.redaction import (
    CHINESE_DIGITS,
    has_unmasked_number,
    mask_name,
    mask_names,
    mask_numbers,
    mask_text,
)

# Ordinary Chinese text: common characters, no digit of any kind and no separator.
PLAIN = st.text(alphabet="希望楼下装个扶手老人想要收音机孩子需文具谢谢社区帮忙，。！", max_size=20)
SEPARATORS = [" ", "-", ".", "/", "－", "．", "／", "\u3000", " - ", "—"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("written", [
    "13812345678", "138-1234-5678", "138 1234 5678", "138.1234.5678", "138/1234/5678",
    "138 - 1234 - 5678", "138－1234－5678", "0871-65551234", "(0871) 6555 1234",
])
def test_a_phone_number_is_masked_whatever_separates_its_groups(written):
    masked = mask_numbers(f"电话{written}，谢谢")
    assert not any(ch.isdigit() for ch in masked), masked
    assert masked.startswith("电话") and masked.endswith("，谢谢")
    assert "***" in masked


@pytest.mark.parametrize("written", [
    "53010219900101123X", "53010219900101123x", "5301 0219 9001 0112 3X",
    "530102-19900101-123X", "５３０１０２１９９００１０１１２３Ｘ",
])
def test_an_id_number_ending_in_x_is_masked_with_its_x(written):
    assert mask_numbers(f"身份证{written}号") == "身份证***号"


def test_full_width_digits_are_masked():
    assert mask_numbers("请拨１３８００００１１１１联系") == "请拨***联系"
    assert mask_numbers("１３８－１２３４－５６７８") == "***"


@pytest.mark.parametrize("written", [
    "一三八一二三四五六七八", "幺三八 一二三四 五六七八", "一三八〇〇〇〇一一一一",
    "零八七一六五五五", "两两八八九", "一3八1234五六7八",
])
def test_numbers_read_out_in_chinese_numerals_are_masked(written):
    assert mask_numbers(f"我的电话是{written}。") == "我的电话是***。"


@pytest.mark.parametrize("words", [
    "一二楼的灯坏了", "三五成群", "一两天内", "七七八八", "第一、二、三、四、五条", "九九八十一",
    "一五一十", "十二月三十一日", "二〇二六年", "三号楼五单元",
])
def test_ordinary_words_with_a_few_numerals_are_left_alone(words):
    assert mask_numbers(words) == words
    assert not has_unmasked_number(words)


@pytest.mark.parametrize("short", ["1栋2单元501室", "2026年6月", "8:30-20:00", "第3网格", "12"])
def test_short_numbers_stay(short):
    assert mask_numbers(short) == short


def test_a_registry_name_keeps_only_the_family_name():
    names = frozenset({"李建华", "王芳", "欧阳娜娜"})
    assert mask_names("李建华和王芳找欧阳娜娜", names=names) == "李**和王*找欧***"
    assert mask_name("李建华") == "李**"


def test_the_longest_name_wins_where_two_start_at_the_same_place():
    assert mask_names("李建华家", names=frozenset({"李建", "李建华"})) == "李**家"


def test_the_reporters_name_is_masked_even_outside_the_registry_and_longer_than_four():
    assert mask_names("王女士和买买提江·艾力", extra_names=["王女士", "买买提江·艾力", "", "李"]) \
        == "王**和买******"


def test_mask_text_takes_out_numbers_and_names_together():
    assert mask_text("李建华家需要轮椅一台，电话138-0000-1111", names=frozenset({"李建华"})) \
        == "李**家需要轮椅一台，电话***"


@given(before=PLAIN, after=PLAIN, groups=st.lists(st.integers(0, 9999), min_size=3, max_size=5),
       separator=st.sampled_from(SEPARATORS), full_width=st.booleans())
def test_any_separated_number_of_five_digits_or_more_disappears(before, after, groups,
                                                                 separator, full_width):
    number = separator.join(f"{group:04d}" for group in groups)
    if full_width:
        number = number.translate(FULL_WIDTH)
    masked = mask_numbers(before + number + after)
    assert masked == before + "***" + after
    assert not has_unmasked_number(masked)


@given(before=PLAIN, after=PLAIN,
       digits=st.text(alphabet=CHINESE_DIGITS, min_size=5, max_size=18))
def test_any_run_of_five_chinese_numerals_disappears(before, after, digits):
    assert mask_numbers(before + digits + after) == before + "***" + after


@given(st.text(alphabet=CHINESE_DIGITS + "楼号室的", max_size=30))
def test_fewer_than_five_numerals_in_a_row_are_never_masked(text):
    runs = "".join(ch if ch in CHINESE_DIGITS else " " for ch in text).split()
    if all(len(run) < 5 for run in runs):
        assert mask_numbers(text) == text


@given(st.text(max_size=60))
def test_masking_leaves_no_number_behind_and_is_stable(text):
    once = mask_numbers(text)
    assert not has_unmasked_number(once)
    assert mask_numbers(once) == once


@given(text=PLAIN)
def test_text_without_numbers_or_names_is_unchanged(text):
    assert mask_text(text, names=frozenset({"李建华"}), extra_names=["张三丰"]) == text


@given(name=st.text(alphabet="李王张刘陈杨黄赵建华芳明丽", min_size=2, max_size=4),
       before=PLAIN, after=PLAIN)
def test_a_registry_name_anywhere_is_masked_to_its_family_name(name, before, after):
    masked = mask_names(before + name + after, names=frozenset({name}))
    assert name not in masked
    assert mask_name(name) in masked
