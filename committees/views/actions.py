"""Small one-button writes on the committee and meeting pages: end a member's term, cancel a
planned meeting, make a recorded decision into a ticket. Each answers with a message and goes
back to the page it came from."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridportal.permissions import requires

from .. import selectors, services
from .common import require


def _error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@requires(selectors.MANAGE)
@require_POST
def member_end_term(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, committee.community_id))
    member = committee.members.filter(pk=member_pk).first()
    if member is None:
        raise Http404
    try:
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on") or "")
    except ValueError:
        ends_on = timezone.localdate()
    try:
        services.member_end_term(member=member, actor=request.user, ends_on=ends_on)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The term of %(name)s ends on %(date)s.") % {
            "name": member.display_name, "date": ends_on.isoformat()})
    return redirect("committees:detail", committee.pk)


@requires(selectors.READ)
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, meeting.committee))
    try:
        services.meeting_cancel(meeting=meeting, actor=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The meeting is cancelled."))
    return redirect("committees:meeting", meeting.pk)


@requires(selectors.READ)
@require_POST
def decision_ticket(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, meeting.committee))
    decision = meeting.decisions.select_related("owner").filter(pk=decision_pk).first()
    if decision is None:
        raise Http404
    try:
        decision = services.decision_make_ticket(decision=decision, actor=request.user,
                                                 owner=decision.owner, due_on=decision.due_on)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Decision recorded as ticket %(ref)s.") % {
            "ref": decision.ticket.reference})
    return redirect("committees:meeting", meeting.pk)
