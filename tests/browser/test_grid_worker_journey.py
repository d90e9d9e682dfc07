"""A grid worker's day on a phone: log in, find the own grid, and nothing beyond it."""

from urllib.parse import urlparse

import pytest
from django.utils import translation

from grids.models import Role

from .conftest import (
    PASSWORD,
    assert_no_horizontal_overflow,
    assert_tall_enough,
    expect_not_found,
    log_in,
    open_menu,
    screenshot,
)

pytestmark = pytest.mark.browser


def in_language(language: str, text) -> str:
    """A lazy translation as the interface shows it in `language`."""
    with translation.override(language):
        return str(text)


def tree_names(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#grid-tree .tree-row a").all_inner_texts()]


def nav_links(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#main-nav .nav-link").all_text_contents()]


def test_grid_worker_sees_own_grid_and_nothing_next_door(phone, page_problems, live_community):
    c = live_community
    landing = log_in(phone, "worker_a")
    assert landing.ok
    assert urlparse(phone.url).path == "/"
    assert phone.locator("html").get_attribute("lang") == "zh-hans"

    cards = phone.locator("#my-nodes .node-card")
    assert cards.filter(has_text="枫丹第1网格").count() == 1
    assert cards.filter(has_text="枫丹第2网格").count() == 0
    screenshot(phone, "home")
    assert_no_horizontal_overflow(phone)
    assert_tall_enough(cards)

    with phone.expect_navigation():
        cards.filter(has_text="枫丹第1网格").tap()
    assert urlparse(phone.url).path == f"/grids/{c.g5a.pk}/"
    screenshot(phone, "node")
    assert phone.locator("main h1").inner_text() == "枫丹第1网格"
    me = phone.locator("#node-people li", has_text="刘晓燕")
    assert me.count() == 1
    role = in_language("zh-hans", Role.WORKER.label)
    assert role != in_language("en", Role.WORKER.label), "the role names are not in Chinese"
    assert role in me.inner_text()
    assert_no_horizontal_overflow(phone)

    # The neighbour's grid does not exist as far as worker_a is concerned.
    expect_not_found(phone, page_problems, f"/grids/{c.g5b.pk}/")
    assert "枫丹第2网格" not in phone.content()
    assert_no_horizontal_overflow(phone)

    open_menu(phone)
    tree_link = phone.locator("#main-nav a.nav-link", has_text="网格树")
    assert tree_link.count() == 1, f"no 网格树 link in the menu: {nav_links(phone)}"
    assert_tall_enough(tree_link)
    with phone.expect_navigation():
        tree_link.tap()
    assert urlparse(phone.url).path == "/grids/"
    screenshot(phone, "tree-worker")
    assert tree_names(phone) == ["枫丹第1网格"]
    assert_no_horizontal_overflow(phone)
    # The whole row is the link: a tap far from the name still opens the grid.
    row = phone.locator("#grid-tree .tree-row").first
    assert_tall_enough(phone.locator("#grid-tree .tree-row"))
    box = row.bounding_box()
    with phone.expect_navigation():
        row.tap(position={"x": box["width"] - 8, "y": box["height"] - 6})
    assert urlparse(phone.url).path == f"/grids/{c.g5a.pk}/"


def test_hub_head_sees_the_hub_but_not_the_other_hub(phone, page_problems, live_community):
    c = live_community
    log_in(phone, "hub1_head")
    assert phone.locator("#my-nodes .node-card", has_text="枫丹白鹭片区").count() == 1
    assert_no_horizontal_overflow(phone)

    phone.goto("/grids/")
    names = tree_names(phone)
    assert {"枫丹白鹭片区", "枫丹四级网格", "枫丹第1网格", "枫丹第2网格"} <= set(names)
    assert not {"金色年华片区", "金色第1网格", "世纪城社区", "六合社区"} & set(names)
    screenshot(phone, "tree-hub")
    assert_no_horizontal_overflow(phone)

    expect_not_found(phone, page_problems, f"/grids/{c.g5c.pk}/")

    phone.goto("/grids/")
    assert_tall_enough(phone.locator("#grid-tree .tree-row"))


def test_language_switcher_changes_to_english_and_back(phone, live_community):
    log_in(phone, "worker_a")
    open_menu(phone)
    screenshot(phone, "menu", full_page=False)
    assert "网格树" in nav_links(phone)

    with phone.expect_navigation():
        phone.select_option("#language-select", "en")
    assert urlparse(phone.url).path == "/"
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Grid tree" in nav_links(phone)
    assert "网格树" not in nav_links(phone)
    open_menu(phone)
    screenshot(phone, "menu-en", full_page=False)
    assert_no_horizontal_overflow(phone)

    with phone.expect_navigation():
        phone.select_option("#language-select", "zh-hans")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert "网格树" in nav_links(phone)
    assert "Grid tree" not in nav_links(phone)


def test_wrong_password_shows_a_chinese_error_and_stays_on_login(phone, live_community):
    log_in(phone, "worker_a", password=PASSWORD + "-wrong")
    assert urlparse(phone.url).path == "/accounts/login/"
    error = phone.locator("main .alert-danger")
    assert error.is_visible()
    # Django's own Chinese message: "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
    assert "请输入一个正确的" in error.inner_text()
    assert phone.locator("input[name=username]").input_value() == "worker_a"
    assert phone.locator("input[name=password]").input_value() == ""
    assert phone.locator("#my-nodes").count() == 0
    screenshot(phone, "login-error")
    assert_no_horizontal_overflow(phone)
    assert_tall_enough(phone.locator("form button[type=submit]"))
