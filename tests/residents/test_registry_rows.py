"""The registry's rows: links and badges drawn without a reverse() or an include for each row."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


def _rows(body: str) -> dict[str, str]:
    return {name: row for row in re.findall(r"<tr>.*?</tr>", body, re.S)
            for name in ("李建华", "李小明", "王芳") if name in row}


def test_each_row_links_to_its_resident_and_household(community, registry, login):
    client = login(community.admin)
    rows = _rows(client.get(reverse("residents:registry")).content.decode())
    for resident, household in ((registry.head_a, registry.household_a),
                                (registry.child_a, registry.household_a),
                                (registry.tenant_b, registry.household_b)):
        resident_link = reverse("residents:resident_detail", args=[resident.pk])
        household_link = reverse("residents:household_detail", args=[household.pk])
        assert f'href="{resident_link}"' in rows[resident.name]
        assert f'href="{household_link}"' in rows[resident.name]
        assert client.get(resident_link).status_code == 200
        assert client.get(household_link).status_code == 200


def test_rows_show_the_child_and_floating_badges(community, registry, login):
    rows = _rows(login(community.admin).get(reverse("residents:registry")).content.decode())
    with translation.override("zh-hans"):
        child, floating = gettext("Child (under 18)"), gettext("Floating")
        elderly = gettext("Elderly")
    assert child in rows["李小明"] and child not in rows["李建华"]
    assert floating in rows["王芳"] and floating not in rows["李小明"]
    assert elderly not in rows["李小明"]
