"""Words the field trial found wrong on the Chinese pages."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_staffing_table_names_the_parent_grid_not_a_parent(client, community):
    html = page(client, community.admin, reverse("grids:staffing"))
    header = re.search(r'<table[^>]*id="staffing-gaps".*?</thead>', html, re.S)
    assert header is not None  # the community's grids lack heads: the table is drawn
    assert "上级网格" in header.group(0) and "父母" not in header.group(0)


def test_the_language_menu_shows_each_language_by_its_own_name(client, community):
    html = page(client, community.admin, reverse("grids:staffing"))
    options = dict(re.findall(r'<option value="([\w-]+)" lang="[\w-]+"[^>]*>([^<]+)</option>',
                              html))
    assert options == {"zh-hans": "简体中文", "en": "English"}


def test_a_partner_unit_has_a_name_not_a_persons_name(client, community):
    html = page(client, community.admin, reverse("committees:partner_list"))
    label = re.search(r'<label[^>]*for="id_name"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert "名称" in label and "姓名" not in label


def test_the_login_lockout_admin_speaks_chinese(client, community):
    html = page(client, community.admin, reverse("admin:axes_accessattempt_changelist"))
    assert "登录尝试" in html and "access attempts" not in html
