"""A system check: warn when the working-day calendar lacks this year's or, from 1 November on,
next year's holiday arrangement (deadlines then fall back to the statutory holidays)."""

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from . import calendar

ADMIN_PATH = "/admin/tickets/holidayarrangement/"


def missing_arrangement_warnings() -> list[checks.CheckMessage]:
    try:
        missing = calendar.missing_arrangements(timezone.localdate())
    except DatabaseError:  # before migrate, or no database to ask: nothing to say yet
        return []
    return [checks.Warning(
        f"The holiday arrangement for {year} has not been entered: deadlines in {year} fall "
        f"back to the statutory public holidays, without make-up working days. "
        f"{year}年节假日安排尚未录入：{year}年的期限按法定节假日计算，不含调休上班日。",
        hint=f"Enter the State Council's notice for {year} and its days in the admin, "
             f"Tickets > Holiday arrangements ({ADMIN_PATH}). "
             f"请在管理后台“节假日安排”中录入国务院办公厅通知及其放假、调休日期。",
        obj=f"calendar {year}", id="tickets.W001") for year in missing]


@checks.register("calendar")
def holiday_arrangement_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if app_configs is not None and not any(c.label == "tickets" for c in app_configs):
        return []
    return missing_arrangement_warnings()
