"""A meeting's page (agenda, attendance, minutes, decisions tracked as tickets), recording it as
held, adding decisions, and the phone page ticking attendance one tap per member."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from grids.selectors import visible_nodes

from .. import selectors, services
from ..forms import AttendanceForm, DecisionForm, MeetingRecordForm
from ..models import Meeting, MeetingStatus
from .common import require, within


def _owner_nodes(request: HttpRequest, meeting: Meeting):
    nodes = within(visible_nodes(request.user), meeting.committee.community, field="")
    return nodes.filter(active=True).order_by("tree_id", "lft")


def _record_form(meeting: Meeting, rows, data=None) -> MeetingRecordForm:
    serving = [member for member, _present in rows if member.serves_on(meeting.held_on)]
    return MeetingRecordForm(data, members=serving, initial={
        "minutes": meeting.minutes, "guests": meeting.guests,
        "present": [member.pk for member, present in rows if present]})


def _page(request: HttpRequest, meeting: Meeting, *, record_form=None,
          decision_form=None) -> HttpResponse:
    decisions = list(selectors.decisions_of(meeting))
    rows = selectors.attendance_rows(meeting)
    can_record = selectors.can_record_meetings(request.user, meeting.committee)
    context = {
        "meeting": meeting,
        "committee": meeting.committee,
        "agenda": meeting.agenda_items.all(),
        "attendance": rows,
        "decisions": decisions,
        "all_closed": (any(d.ticket_id for d in decisions)
                       and services.decisions_all_closed(meeting)),
        "can_record": can_record,
        "today": timezone.localdate(),
    }
    if can_record and meeting.status != MeetingStatus.CANCELLED:
        context["record_form"] = record_form or _record_form(meeting, rows)
    if can_record and meeting.status == MeetingStatus.HELD:
        context["decision_form"] = decision_form or DecisionForm(
            nodes=_owner_nodes(request, meeting))
    return render(request, "committees/meeting_detail.html", context)


@requires(selectors.READ)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.meeting_get_for(user=request.user, pk=pk))


@requires(selectors.READ)
@require_POST
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, meeting.committee))
    form = _record_form(meeting, selectors.attendance_rows(meeting), request.POST)
    saved = save_with(form, lambda data: services.meeting_record(
        meeting=meeting, actor=request.user, minutes=data["minutes"], present=data["present"],
        guests=data["guests"]))
    if saved is not None:
        messages.success(request, _("The meeting is recorded as held."))
        return redirect("committees:meeting", meeting.pk)
    return _page(request, meeting, record_form=form)


@requires(selectors.READ)
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, meeting.committee))
    form = DecisionForm(request.POST, nodes=_owner_nodes(request, meeting))
    decision = save_with(form, lambda data: services.decision_add(
        meeting=meeting, actor=request.user, **data))
    if decision is not None:
        if decision.ticket_id:
            messages.success(request, _("Decision recorded as ticket %(ref)s.") % {
                "ref": decision.ticket.reference})
        else:
            messages.success(request, _("Decision recorded."))
        return redirect("committees:meeting", meeting.pk)
    return _page(request, meeting, decision_form=form)


@requires(selectors.READ)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page: one big toggle per member."""
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    return render(request, "committees/mobile/attendance.html", {
        "meeting": meeting,
        "rows": selectors.attendance_rows(meeting),
        "can_record": (selectors.can_record_meetings(request.user, meeting.committee)
                       and selectors.attendance_open(meeting)),
        "attendance_open": selectors.attendance_open(meeting),
    })


@requires(selectors.READ)
@require_POST
def attendance_mark(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, meeting.committee))
    member = meeting.committee.members.select_related("user", "resident").filter(
        pk=member_pk).first()
    if member is None:
        raise Http404
    form = AttendanceForm(request.POST)
    present = form.is_valid() and form.cleaned_data["present"]
    error = ""
    try:
        row = services.attendance_mark(meeting=meeting, actor=request.user, member=member,
                                       present=present)
        state = row.present
    except ValidationError as invalid:
        error, state = " ".join(invalid.messages), None
    if request.headers.get("HX-Request"):
        return render(request, "committees/partials/attendance_row.html", {
            "meeting": meeting, "member": member, "present": state, "can_record": True,
            "error": error})
    if error:
        messages.error(request, error)
    return redirect("committees:attendance", meeting.pk)
