"""An administrator at a desk keeps the grid tree in the admin.

The changelist of the grid tree shows each node indented under its parent, with a drag handle;
dragging 枫丹第2网格 onto 金色四级网格 moves it there. The sidebar's tree filter on the
assignments and the service points indents the nodes the same way. All of it under the portal's
strict Content-Security-Policy: the conftest fails the test on any violation or console error.
"""

import pytest
from django.utils import translation

from grids.models import GridNode
from tests.grids.factories import ServicePointFactory

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

TREE = "/admin/grids/gridnode/"
# The left edge of the text a node's name is written in (not of its box, which the indentation
# does not move).
TEXT_LEFT = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().left;
}"""


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def text_left(locator) -> float:
    return locator.evaluate(TEXT_LEFT)


def expand_tree(page) -> None:
    """Open every branch (the tree starts folded to its roots)."""
    page.locator(".object-tools a", has_text=zh("Expand tree")).click()
    page.locator("#result_list tr", has_text="枫丹第1网格").wait_for(state="visible")


def test_admin_grid_tree_is_indented_by_level_and_a_grid_can_be_dragged(desk, live_community):
    community = live_community
    log_in(desk, "admin")
    desk.goto(TREE)
    expand_tree(desk)

    def title(name):
        return desk.locator("#result_list .field-indented_title div", has_text=name)

    street, community_row = title("示范街道"), title("世纪城社区")
    hub, grid4, grid5 = title("枫丹白鹭片区"), title("枫丹四级网格"), title("枫丹第2网格")
    lefts = [text_left(row) for row in (street, community_row, hub, grid4, grid5)]
    assert lefts == sorted(lefts) and len(set(lefts)) == 5, (
        f"the tree is not indented level by level (street to level-5 grid): {lefts}")
    # A level-3 grid sits three steps right of the level-0 street and two of the community.
    assert lefts[3] - lefts[1] == pytest.approx(2 * (lefts[1] - lefts[0]), abs=1)
    handles = desk.locator("#result_list div.drag-handle")
    assert handles.count() == GridNode.objects.count()
    screenshot(desk, "admin-grid-tree", device="desk")

    # Drag 枫丹第2网格 by its handle to just below 金色第1网格: it joins it under 金色四级网格.
    handle = desk.locator("#result_list tr", has_text="枫丹第2网格").locator("div.drag-handle")
    target = desk.locator("#result_list tr", has_text="金色第1网格")
    start, box = handle.bounding_box(), target.bounding_box()
    desk.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    desk.mouse.down()
    desk.mouse.move(box["x"] + 200, box["y"] + box["height"] * 5 / 6, steps=12)
    assert desk.locator("#drag-line").is_visible()
    with desk.expect_response(lambda r: r.request.method == "POST" and TREE in r.url) as moved:
        desk.mouse.up()
    assert moved.value.status == 200
    # The page reloads and says so; the grid is now under 金色四级网格.
    desk.locator(".messagelist", has_text="枫丹第2网格").wait_for()
    community.refresh()
    assert community.g5b.parent == community.g4b


@pytest.mark.parametrize("changelist", ["assignment", "servicepoint"])
def test_admin_tree_filter_is_indented_by_level(desk, live_community, changelist):
    community = live_community
    ServicePointFactory(node=community.g5a, name="枫丹白鹭服务站")
    log_in(desk, "admin")
    desk.goto(f"/admin/grids/{changelist}/")
    rows = desk.locator("#result_list tbody tr")
    assert rows.count() >= 1

    def choice(name):
        return desk.locator("#changelist-filter a", has_text=name)

    lefts = [text_left(choice(name)) for name in
             ("示范街道", "世纪城社区", "枫丹白鹭片区", "枫丹四级网格", "枫丹第1网格")]
    assert lefts == sorted(lefts) and len(set(lefts)) == 5, (
        f"the tree filter is not indented level by level: {lefts}")
    # The filter works: one level-5 grid keeps only what lies there.
    choice("枫丹第1网格").click()
    desk.wait_for_load_state("load")
    assert "枫丹第1网格" in desk.locator("#result_list").inner_text()
    assert "枫丹第2网格" not in desk.locator("#result_list").inner_text()


def test_every_admin_page_of_the_portal_opens_without_a_policy_violation(desk, live_community,
                                                                         page_problems):
    """Every changelist and add form of the portal's own models; one change form each where
    there is a row (the conftest collects what the browser reports, page by page)."""
    from django.contrib import admin
    from django.urls import reverse

    community = live_community
    ServicePointFactory(node=community.g5a, name="枫丹白鹭服务站")
    log_in(desk, "admin")
    problems = {}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("grids", "residents", "tickets", "committees"):
            continue
        info = model._meta.app_label, model._meta.model_name
        paths = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(_request_of(community.admin)):
            paths.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        for path in paths:
            response = desk.goto(path)
            assert response.status == 200, f"{path} answered {response.status}"
            desk.wait_for_load_state("load")
            found = page_problems.summary()
            if found:
                problems[path] = found
                for name in ("console_errors", "csp_violations", "failed_requests",
                             "foreign_requests", "page_errors"):
                    getattr(page_problems, name).clear()
    assert not problems, problems


def _request_of(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
