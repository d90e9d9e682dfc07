"""The KPI dashboard (tickets:dashboard) and its xlsx export (tickets:dashboard_export), written
row by row to a temporary file and streamed from it.

Both read the same `kpis.ticket_kpis` report for a node among the user's visible nodes (another
node answers 404, as a missing one) and a period: a preset (this month, the last 30 days, this
year, the last 12 months) or custom dates, `until` not included. The page costs a constant
number of queries (at most 15, asserted in the tests).
"""

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gridportal.permissions import requires
from gridportal.replica import lag_tolerant
from grids.models import GridNode
from grids.selectors import node_get_for, node_list_for

from .. import calendar, kpis, selectors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_PRESET = "12m"
PRESETS = [
    ("month", gettext_lazy("This month")),
    ("30d", gettext_lazy("Last 30 days")),
    ("year", gettext_lazy("This year")),
    ("12m", gettext_lazy("Last 12 months")),
    ("custom", gettext_lazy("Custom dates")),
]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PRESETS, required=False)
    since = forms.DateField(label=gettext_lazy("Since"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until (not included)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period") != "custom":
            return data
        since, until = data.get("since"), data.get("until")
        if since is None:
            self.add_error("since", _("Choose the first day."))
        if until is None:
            self.add_error("until", _("Choose the day after the last one."))
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return data


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """[since, until) for a preset period around `today`."""
    if preset == "month":
        return today.replace(day=1), _first_of_next_month(today)
    if preset == "30d":
        return today - dt.timedelta(days=29), today + dt.timedelta(days=1)
    if preset == "year":
        return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)
    # 近12个月: the twelve months up to today, today included (as 30d is the thirty days).
    return _a_year_before(today) + dt.timedelta(days=1), today + dt.timedelta(days=1)


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Selection:
    node: GridNode | None
    preset: str
    since: dt.date
    until: dt.date
    form: PeriodForm

    def query(self) -> str:
        params = {"period": self.preset}
        if self.node is not None:
            params["node"] = str(self.node.pk)
        if self.preset == "custom":
            params.update(since=self.since.isoformat(), until=self.until.isoformat())
        return urlencode(params)


def _selection(request: HttpRequest) -> Selection:
    raw_node = request.GET.get("node", "").strip()
    node = (node_get_for(user=request.user, pk=raw_node, capability=selectors.READ_DASHBOARD)
            if raw_node else None)
    form = PeriodForm(request.GET or None)
    preset = DEFAULT_PRESET
    today = timezone.localdate()
    since, until = preset_period(preset, today)
    if form.is_bound and form.is_valid():
        preset = form.cleaned_data["period"] or DEFAULT_PRESET
        if preset == "custom":
            since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        else:
            since, until = preset_period(preset, today)
    return Selection(node=node, preset=preset, since=since, until=until, form=form)


def _chart_data(report: kpis.Report) -> dict[str, Any]:
    whistles = {value: label for value, label, _n in report.by_whistle}
    return {
        "months": report.months,
        "monthly": [{"key": key, "label": whistles.get(key, key), "data": data}
                    for key, data in report.monthly.items()],
        "status": {"labels": [label for _v, label, n in report.by_status if n],
                   "keys": [value for value, _l, n in report.by_status if n],
                   "data": [n for _v, _l, n in report.by_status if n]},
        "channel": {"labels": [label for _v, label, _n in report.by_channel],
                    "data": [n for _v, _l, n in report.by_channel]},
        "text": {"tickets": _("Tickets")},
    }


@require_GET
@requires(selectors.READ_DASHBOARD)
@lag_tolerant
def dashboard(request: HttpRequest) -> HttpResponse:
    selection = _selection(request)
    report = kpis.ticket_kpis(user=request.user, node=selection.node, since=selection.since,
                              until=selection.until)
    nodes = list(node_list_for(user=request.user, capability=selectors.READ_DASHBOARD)
                 .filter(active=True)
                 .only("pk", "name", "kind", "level"))
    top_level = min((node.level for node in nodes), default=0)
    return render(request, "tickets/dashboard.html", {
        "report": report, "selection": selection, "form": selection.form, "presets": PRESETS,
        "nodes": [(node, "\u3000" * min(node.level - top_level, 5)) for node in nodes],
        "last_day": selection.until - dt.timedelta(days=1),
        "chart_data": _chart_data(report), "legend": kpis.legend(),
        # Deadlines in a year without its holiday arrangement know no make-up working days.
        "calendar_missing": calendar.missing_arrangements(timezone.localdate()),
        "can_enter_calendar": request.user.has_perm("tickets.add_holidayarrangement"),
    })


# --- Export ---------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would take for a formula becomes plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rate(value) -> float | None:
    return None if value is None else float(value)


def _summary_rows(report: kpis.Report) -> list[tuple]:
    s = report.summary
    return [
        (_("Tickets"), s.total), (_("Handled (merged and rejected left out)"), s.handled),
        (_("Closed"), s.closed), (_("Closure rate (%)"), _rate(s.closure_rate)),
        (_("On-time rate (%)"), _rate(s.on_time_rate)),
        (_("Response rate (%)"), _rate(s.response_rate)),
        (_("Resolution rate (%)"), _rate(s.resolution_rate)),
        (_("Satisfaction rate (%)"), _rate(s.satisfaction_rate)),
        (_("Open now"), s.open), (_("Overdue now"), s.overdue),
        (_("Returns upheld"), s.returns_upheld), (_("Returns rejected"), s.returns_rejected),
        (_("Extensions granted"), s.extensions), (_("Escalations"), s.escalations),
        (_("Whistled to a department"), s.whistled),
        (_("Mean hours to accept"), _rate(s.hours_to_accept)),
        (_("Mean hours to resolve"), _rate(s.hours_to_resolve)),
        (_("Score"), _rate(s.score)), (_("Stars"), s.stars),
    ]


def _table_header(first: str) -> tuple:
    return (first, _("Tickets"), _("Handled"), _("Closed"), _("Closure rate (%)"),
            _("On-time rate (%)"), _("Response rate (%)"), _("Satisfaction rate (%)"),
            _("Open now"), _("Overdue now"), _("Returns upheld"), _("Returns rejected"),
            _("Extensions granted"), _("Mean hours to resolve"), _("Score"), _("Stars"))


def _table_row(row: kpis.Row) -> tuple:
    f = row.figures
    return (row.name, f.total, f.handled, f.closed, _rate(f.closure_rate), _rate(f.on_time_rate),
            _rate(f.response_rate), _rate(f.satisfaction_rate), f.open, f.overdue,
            f.returns_upheld, f.returns_rejected, f.extensions, _rate(f.hours_to_resolve),
            _rate(f.score), f.stars)


def _sheets(report: kpis.Report, title: str) -> list[tuple[str, list[tuple]]]:
    counts = [(_("Whistle class"), _("Tickets"))] + [(label, n) for _v, label, n in
                                                     report.by_whistle]
    counts += [(), (_("Channel"), _("Tickets"))] + [(label, n) for _v, label, n in
                                                   report.by_channel]
    counts += [(), (_("Status"), _("Tickets"))] + [(label, n) for _v, label, n in
                                                  report.by_status]
    whistles = [label for _v, label, _n in report.by_whistle]
    monthly = [(_("Month"), *whistles)] + [
        (month, *(report.monthly[key][i] for key, _l, _n in report.by_whistle
                  if key in report.monthly))
        for i, month in enumerate(report.months)]
    return [
        (_("Summary"), [(title,), (), *_summary_rows(report)]),
        (_("Counts"), counts),
        (_("Monthly"), monthly),
        (_("Grid ranking"), [_table_header(_("Grid"))] + [_table_row(r) for r in report.grids]),
        (_("Workers"), [_table_header(_("Worker"))] + [_table_row(r) for r in report.workers]),
        (_("Definitions"), list(kpis.legend())),
    ]


def write_workbook(report: kpis.Report, title: str, file) -> None:
    """The report's sheets, written row by row (openpyxl's write-only mode) to `file`."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, rows in _sheets(report, title):
        sheet = workbook.create_sheet(name[:31])
        for row in rows:
            sheet.append([neutralise(value) for value in row])
    workbook.save(file)


def _title(selection: Selection) -> str:
    place = selection.node.name if selection.node else _("All my area")
    last = selection.until - dt.timedelta(days=1)
    return _("Ticket KPIs · %(place)s · %(since)s to %(last)s") % {
        "place": place, "since": selection.since.isoformat(), "last": last.isoformat()}


@require_GET
@requires(selectors.READ_DASHBOARD)
@lag_tolerant
def dashboard_export(request: HttpRequest) -> HttpResponse:
    selection = _selection(request)
    report = kpis.ticket_kpis(user=request.user, node=selection.node, since=selection.since,
                              until=selection.until)
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write_workbook(report, _title(selection), file)
    file.seek(0)
    filename = f"ticket-kpis-{selection.since:%Y%m%d}-{selection.until:%Y%m%d}.xlsx"
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response
