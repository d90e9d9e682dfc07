"""Households on a phone: find one, log a visit with a photo, read the house colour map.

And at a desk: find a resident by the full ID number without the number reaching the URL.
"""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from residents.crypto import decrypt
from residents.models import DwellingUse, Visit
from tests.conftest import Registry
from tests.residents.factories import DwellingFactory

from .conftest import (
    assert_no_horizontal_overflow,
    assert_tall_enough,
    expect_not_found,
    log_in,
    open_menu,
    press,
    screenshot,
    wait_for_image,
)

pytestmark = pytest.mark.browser

# Log in aside, finding a household and logging a visit with a photo should take no more taps
# than this: menu, 查找住户, search box, 搜索, result, 登记走访, purpose, photo, note, save.
MAX_VISIT_TAPS = 10
NOTE = "老人身体良好，已送上慰问品。"
PHOTO_SIZE = (64, 48)


@pytest.fixture
def live_registry(live_community):
    """The shared buildings and households, committed beside the live community."""
    registry = Registry(live_community)
    registry.community = live_community
    return registry


@pytest.fixture
def visit_photo(tmp_path):
    """A small PNG on disk, as the phone's camera would hand it to the file input."""
    path = tmp_path / "visit.png"
    Image.new("RGB", PHOTO_SIZE, "#2f9e44").save(path, "PNG")
    return path


class Taps:
    """Taps on the phone, counted, so a journey can be held to a budget."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def __call__(self, locator, **kwargs) -> None:
        locator.tap(**kwargs)
        self.count += 1

    def menu(self) -> None:
        open_menu(self.page)
        self.count += 1


def path_of(page) -> str:
    return urlparse(page.url).path


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def household_url(household) -> str:
    return reverse("residents:household_detail", args=[household.pk])


def test_worker_finds_a_household_and_logs_a_care_visit_with_a_photo(
        phone, live_registry, visit_photo):
    r = live_registry
    household = r.household_a
    assert log_in(phone, "worker_a").ok
    taps = Taps(phone)

    # Menu → 查找住户.
    taps.menu()
    lookup_link = phone.locator("#main-nav a.nav-link", has_text="查找住户")
    assert lookup_link.count() == 1, "no 查找住户 link in the menu"
    assert_tall_enough(lookup_link)
    with phone.expect_navigation():
        taps(lookup_link)
    assert path_of(phone) == reverse("residents:household_lookup")

    # Building and door, as a grid worker says it.
    search = phone.locator("#household-lookup input[name=q]")
    button = phone.locator("#household-lookup button[type=submit]")
    assert_tall_enough(search)
    assert_tall_enough(button)
    taps(search)
    search.fill("1栋501")
    with phone.expect_navigation():
        taps(button)
    assert parse_qs(urlparse(phone.url).query).get("q") == ["1栋501"]
    results = phone.locator("#lookup-results a.list-group-item")
    assert results.count() == 1, f"expected one result: {text_of(phone.locator('main'))!r}"
    assert "1-501" in text_of(results) and "李建华" in text_of(results)
    assert_tall_enough(results)
    screenshot(phone, "lookup")
    assert_no_horizontal_overflow(phone)

    # The household card.
    with phone.expect_navigation():
        taps(results.first)
    assert path_of(phone) == household_url(household)
    members = phone.locator("#household-members")
    assert "李建华" in text_of(members) and "李小明" in text_of(members)
    assert "暂无走访记录" in text_of(phone.locator("#household-visits"))
    log_visit = phone.locator("#log-visit")
    assert text_of(log_visit) == "登记走访"
    assert_tall_enough(log_visit)
    assert_no_horizontal_overflow(phone)

    # 登记走访: the purpose is a radio shown as a button.
    with phone.expect_navigation():
        taps(log_visit)
    path_of_form = reverse("residents:visit_create", args=[household.pk])
    assert path_of(phone) == path_of_form
    form = phone.locator("#visit-form")
    purposes = form.locator("fieldset label.btn")
    assert purposes.count() >= 2
    assert_tall_enough(purposes)
    care = form.locator("input[name=purpose][value=care]")
    assert not care.is_checked()
    taps(purposes.filter(has_text="走访慰问"))
    assert care.is_checked()
    assert not form.locator("input[name=purpose][value=routine]").is_checked()

    photos = form.locator("input[name=photos]")
    assert_tall_enough(photos)
    photos.set_input_files(visit_photo)
    taps.count += 1  # choosing the photo: one tap on the file input
    notes = form.locator("textarea[name=notes]")
    taps(notes)
    notes.fill(NOTE)
    save = form.locator("button[type=submit]")
    assert text_of(save) == "保存走访"
    assert_tall_enough(save)
    screenshot(phone, "visit-form")
    assert_no_horizontal_overflow(phone)
    # The date starts at today, so a visit logged on the spot needs no date picking.
    visited_on = form.locator("input[name=visited_on]")
    assert visited_on.input_value() == timezone.localdate().isoformat(), (
        "the visit date does not start at today: the page sent "
        f"value={visited_on.get_attribute('value')!r}, which <input type=date> drops unless it "
        "is yyyy-mm-dd, so saving fails with 该字段是必填项")

    with phone.expect_navigation():
        taps(save)

    # Back on the household card, with the visit, its note and its photo.
    assert path_of(phone) != path_of_form, (
        f"the visit was not saved: {text_of(phone.locator('#visit-form'))!r}")
    assert path_of(phone) == household_url(household)
    success = phone.locator("main .alert-success")
    assert success.count() == 1 and "走访已记录" in text_of(success)
    visit = Visit.objects.get(household=household)
    assert (visit.purpose, visit.notes, visit.visitor_id) == ("care", NOTE, r.community.worker_a.pk)
    photo = visit.photos.get()
    photo_url = reverse("residents:visit_photo", args=[visit.pk, photo.pk])
    item = phone.locator("#household-visits li", has_text=NOTE)
    assert item.count() == 1, f"the visit is not listed: {text_of(phone.locator('main'))!r}"
    assert "走访慰问" in text_of(item)
    thumb = item.locator("img.visit-thumb")
    assert thumb.count() == 1
    assert thumb.get_attribute("src") == photo_url
    assert wait_for_image(phone, thumb) == PHOTO_SIZE[0]
    screenshot(phone, "household")
    assert_no_horizontal_overflow(phone)

    assert taps.count <= MAX_VISIT_TAPS, f"logging a visit took {taps.count} taps"


def test_worker_finds_nothing_in_another_grid(phone, page_problems, live_registry):
    r = live_registry
    log_in(phone, "worker_a")
    phone.goto(reverse("residents:household_lookup"))
    for query in ("王芳", "2栋201"):
        phone.fill("#household-lookup input[name=q]", query)
        with phone.expect_navigation():
            press(phone.locator("#household-lookup button[type=submit]"))
        results = phone.locator("#lookup-results")
        assert results.locator("a").count() == 0, f"{query!r} found {text_of(results)!r}"
        assert "在您的范围内未找到住户" in text_of(results)
        assert "王芳" not in text_of(results)
        assert_no_horizontal_overflow(phone)

    expect_not_found(phone, page_problems, household_url(r.household_b))
    assert "王芳" not in phone.content()
    expect_not_found(phone, page_problems,
                     reverse("residents:visit_create", args=[r.household_b.pk]))


def test_colour_map_on_a_phone_counts_and_opens_households(phone, live_registry):
    r = live_registry
    # A fuller building: a shop on the top floor and empty flats beside and below 501.
    DwellingFactory(building=r.building_a, floor=6, number="601", use=DwellingUse.BUSINESS)
    vacant = 0
    for floor in range(1, 7):
        for door in range(1, 7):
            number = f"{floor}0{door}"
            if number not in ("501", "601"):
                DwellingFactory(building=r.building_a, floor=floor, number=number)
                vacant += 1

    log_in(phone, "worker_a")
    open_menu(phone)
    with phone.expect_navigation():
        phone.locator("#main-nav a.nav-link", has_text="楼栋").tap()
    building = phone.locator("#building-list a", has_text="枫丹白鹭1栋")
    assert building.count() == 1
    assert_tall_enough(building)
    with phone.expect_navigation():
        building.tap()
    assert path_of(phone) == reverse("residents:colour_map", args=[r.building_a.pk])
    assert "房屋分色管理图" in text_of(phone.locator("main h1"))

    expected = {"permanent": ("常住人口", 1), "floating": ("流动/出租", 0),
                "office": ("单位办公场所", 0), "business": ("行业场所", 1),
                "concern": ("关注人员户", 0), "vacant": ("空置", vacant)}
    legend = phone.locator("#colour-legend")
    for key, (label, count) in expected.items():
        item = legend.locator(f".legend-item[data-category={key}]")
        assert item.count() == 1, f"no legend entry for {key}"
        assert label in text_of(item), f"legend {key}: {text_of(item)!r}"
        assert text_of(item.locator("strong")) == str(count), f"legend {key}: {text_of(item)!r}"

    cells = phone.locator("#colour-map .dwelling-cell")
    assert cells.count() == 1 + 1 + vacant
    assert_tall_enough(cells)
    screenshot(phone, "colour-map")
    # The page stays put; a map wider than the phone scrolls inside its own box.
    assert_no_horizontal_overflow(phone)
    colour_map = phone.locator("#colour-map")
    overflow = colour_map.evaluate(
        "el => [el.scrollWidth, el.clientWidth, getComputedStyle(el).overflowX]")
    assert overflow[0] <= overflow[1] or overflow[2] in ("auto", "scroll"), overflow

    cell = phone.locator("#colour-map a.dwelling-cell", has_text="1-501")
    assert cell.count() == 1
    assert cell.get_attribute("data-category") == "permanent"
    with phone.expect_navigation():
        cell.tap()
    assert path_of(phone) == household_url(r.household_a)
    assert "李建华" in text_of(phone.locator("#household-members"))


def test_hub_head_finds_a_tenant_by_full_id_number_at_a_desk(desk, live_registry):
    r = live_registry
    number = decrypt(r.tenant_b.id_number_token)
    assert len(number) == 18
    log_in(desk, "hub1_head")

    registry_link = desk.locator("#main-nav a.nav-link", has_text="居民信息")
    assert registry_link.is_visible(), "the menu should be open at desk width"
    with desk.expect_navigation():
        registry_link.click()
    assert path_of(desk) == reverse("residents:registry")

    form = desk.locator("#id-search")
    assert "按号码查找" in text_of(form)
    field = form.locator("input[name=id_number]")
    field.click()
    field.press_sequentially(number)
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()

    assert number not in desk.url, f"the ID number reached the address bar: {desk.url}"
    assert path_of(desk) == reverse("residents:registry")
    table = desk.locator("#registry-table")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 1, f"expected only 王芳: {text_of(table)!r}"
    assert "王芳" in text_of(rows)
    # Nor is the number echoed back into the page.
    assert number not in desk.content()
    assert form.locator("input[name=id_number]").input_value() == ""
    screenshot(desk, "registry", device="desk")
    assert_no_horizontal_overflow(desk)
