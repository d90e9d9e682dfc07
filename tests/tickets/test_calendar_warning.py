"""From 1 November until next year's holiday arrangement is entered (and whenever this year's is
missing), `manage.py check` and the dashboard say that deadlines know no make-up days."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.db import ProgrammingError
from django.urls import reverse

from tickets import calendar
from tickets.checks import holiday_arrangement_check
from tickets.models import CalendarDay, DayKind, HolidayArrangement

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOVEMBER = dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)
OCTOBER = dt.datetime(2026, 10, 30, 9, tzinfo=SHANGHAI)


def enter(year):
    arrangement = HolidayArrangement.objects.create(
        year=year, notice=f"国务院办公厅关于{year}年部分节假日安排的通知")
    CalendarDay.objects.create(arrangement=arrangement, date=dt.date(year, 1, 1),
                               kind=DayKind.HOLIDAY, name="元旦")


def test_the_check_warns_from_november_until_next_year_is_entered():
    with time_machine.travel(OCTOBER, tick=False):
        assert holiday_arrangement_check() == []
    with time_machine.travel(NOVEMBER, tick=False):
        [warning] = holiday_arrangement_check()
        assert warning.id == "tickets.W001" and warning.level == checks.WARNING
        assert "2027" in warning.msg and "2027年节假日安排尚未录入" in warning.msg
        assert "/admin/tickets/holidayarrangement/" in warning.hint
        enter(2027)
        assert holiday_arrangement_check() == []


def test_the_check_warns_when_this_year_has_no_arrangement():
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        [warning] = holiday_arrangement_check()
        assert "The holiday arrangement for 2027" in warning.msg


def test_manage_py_check_prints_the_warning():
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(NOVEMBER, tick=False):
        call_command("check", stdout=out, stderr=err)
    assert "tickets.W001" in out.getvalue() + err.getvalue()
    assert "calendar" in checks.registry.registry.tags_available()


def test_the_check_stays_silent_without_the_table(monkeypatch):
    def no_table(today):
        raise ProgrammingError('relation "tickets_holidayarrangement" does not exist')

    monkeypatch.setattr(calendar, "missing_arrangements", no_table)
    with time_machine.travel(NOVEMBER, tick=False):
        assert holiday_arrangement_check() == []


def test_the_dashboard_warns_staff_and_links_administrators_to_the_admin(community, login):
    url = reverse("tickets:dashboard")
    changelist = reverse("admin:tickets_holidayarrangement_changelist")
    with time_machine.travel(NOVEMBER, tick=False):
        staff_page = login(community.center_staff).get(url).content.decode()
        admin_page = login(community.admin).get(url).content.decode()
    assert 'id="calendar-warning"' in staff_page and "2027" in staff_page
    assert changelist not in staff_page
    assert 'id="calendar-warning"' in admin_page and changelist in admin_page


def test_the_dashboard_warning_goes_once_the_year_is_entered(community, login):
    with time_machine.travel(OCTOBER, tick=False):
        before_november = login(community.center_staff).get(reverse("tickets:dashboard"))
    assert 'id="calendar-warning"' not in before_november.content.decode()
    enter(2027)
    with time_machine.travel(NOVEMBER, tick=False):
        entered = login(community.center_staff).get(reverse("tickets:dashboard"))
    assert 'id="calendar-warning"' not in entered.content.decode()
