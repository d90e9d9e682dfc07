"""Seed the working-day calendar with every year the `chinesecalendar` package knows (2004 on):
one arrangement per year, named after the State Council's yearly notice, with its holidays and
make-up working days. A day is filed under the arrangement of its own year (the package does not
say which notice announced it). Administrators keep the table from here on, in the admin."""

from django.db import migrations

NOTICE = "国务院办公厅关于{year}年部分节假日安排的通知"


def _chinese_names():
    from chinese_calendar import constants

    return {holiday.value: holiday.chinese for holiday in constants.Holiday}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    HolidayArrangement = apps.get_model("tickets", "HolidayArrangement")
    CalendarDay = apps.get_model("tickets", "CalendarDay")
    names = _chinese_names()
    days = [(date, "holiday", name) for date, name in constants.holidays.items()]
    days += [(date, "workday", name) for date, name in constants.workdays.items()]
    years = sorted({date.year for date, _kind, _name in days})
    taken = set(HolidayArrangement.objects.values_list("year", flat=True))
    HolidayArrangement.objects.bulk_create(
        HolidayArrangement(year=year, notice=NOTICE.format(year=year))
        for year in years if year not in taken)
    arrangements = {a.year: a for a in HolidayArrangement.objects.filter(year__in=years)}
    entered = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        CalendarDay(arrangement=arrangements[date.year], date=date, kind=kind,
                    name=names.get(name, name))
        for date, kind, name in sorted(days) if date not in entered)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_calendar_days")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
