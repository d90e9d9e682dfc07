"""PlainSelect writes the very markup of Django's Select."""

import pytest
from django import forms

from gridportal.widgets import PlainSelect

CHOICES = [("", "全部"), ("a", "A & <b>"), (1, "一"), ("组", [("x", "X"), ("y", '"Y"')])]


@pytest.mark.parametrize("value", [None, "", "a", 1, "1", "y", ["a", "x"]])
@pytest.mark.parametrize("attrs", [{}, {"class": "form-select", "disabled": True,
                                        "data-x": False, "id": "id_f"}])
def test_plain_select_writes_what_select_writes(value, attrs):
    multiple = isinstance(value, list)
    base = forms.SelectMultiple if multiple else forms.Select
    plain = type("Plain", (PlainSelect, base), {})
    expected = base(attrs=attrs, choices=CHOICES).render("f", value)
    assert plain(attrs=attrs, choices=CHOICES).render("f", value) == expected


def test_a_filter_form_choice_keeps_its_selection():
    class Form(forms.Form):
        grid = forms.ChoiceField(choices=[("", "全部"), ("7", "第七网格")], required=False,
                                 widget=PlainSelect)

    html = str(Form({"grid": "7"})["grid"])
    assert '<option value="7" selected>第七网格</option>' in html
