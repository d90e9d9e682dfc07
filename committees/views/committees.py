"""The committee list and a committee's page: members and terms, the charter in force and its
earlier versions, meetings, open decisions and the next joint meeting due."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from gridportal.forms import save_with
from gridportal.permissions import requires
from gridportal.uploads import file_response
from grids.people import person_name
from grids.selectors import assignment_list_for
from residents.selectors import resident_list_for

from .. import selectors, services
from ..forms import CharterForm, CommitteeForm, MeetingForm, MemberForm
from ..models import Committee
from .common import pick_community, posted_community, require, within

User = get_user_model()


def is_overdue(committee: Committee, next_due, today) -> bool:
    return bool(committee.cadence_missed_since) or next_due < today


@requires(selectors.READ)
def committee_list(request: HttpRequest, form: CommitteeForm | None = None) -> HttpResponse:
    communities, _current = pick_community(request)
    community = request.GET.get("community")
    # Only one of the user's communities narrows the list (any other value lists nothing): the
    # value never reaches the database, where '²' or a 20-digit number failed (500).
    chosen = next((c.pk for c in communities if str(c.pk) == community), None)
    committees = [] if community and chosen is None else list(selectors.committee_list_for(
        user=request.user, community=chosen)
        .order_by("community__tree_id", "community__lft", "kind", "name"))
    open_counts = selectors.open_decision_counts(committees=[c.pk for c in committees])
    today = timezone.localdate()
    rows = []
    for committee in committees:
        next_due = selectors.next_joint_meeting_due(committee, committee.last_joint_meeting)
        rows.append({"committee": committee, "next_due": next_due,
                     "overdue": is_overdue(committee, next_due, today),
                     "open_decisions": open_counts.get(committee.pk, 0)})
    return render(request, "committees/committee_list.html", {
        "rows": rows, "communities": communities, "community": community or "",
        **_create_form_context(request, communities, form=form)})


def _create_form_context(request: HttpRequest, communities, *, form=None) -> dict:
    """The set-up form, for the communities the user keeps the records of."""
    managed = [c for c in communities if selectors.can_manage(request.user, c.pk)]
    if not managed:
        return {}
    return {"create_form": form or CommitteeForm(prefix="committee"),
            "managed_communities": managed}


@requires(selectors.MANAGE)
@require_POST
def committee_create(request: HttpRequest) -> HttpResponse:
    _communities, community = posted_community(request)
    require(selectors.can_manage(request.user, community.pk))
    form = CommitteeForm(request.POST, prefix="committee")
    committee = save_with(form, lambda data: services.committee_create(
        community=community, actor=request.user, **data))
    if committee is not None:
        messages.success(request, _("%(name)s set up.") % {"name": committee.name})
        return redirect("committees:detail", committee.pk)
    return committee_list(request, form=form)


def _member_form(request: HttpRequest, committee: Committee, data=None) -> MemberForm:
    community = committee.community
    people = within(assignment_list_for(user=request.user), community).filter(
        user__is_active=True).values("user_id")
    users = User.objects.filter(pk__in=people).order_by("username")
    residents = resident_list_for(user=request.user, node=community)
    form = MemberForm(data, users=users, residents=residents,
                      initial={"starts_on": timezone.localdate()})
    form.fields["user"].label_from_instance = person_name
    return form


def _detail(request: HttpRequest, committee: Committee, *, status: int = 200,
            **forms) -> HttpResponse:
    today = timezone.localdate()
    members = list(selectors.member_list(committee=committee))
    charter = selectors.charter_in_force(committee)
    next_due = selectors.next_joint_meeting_due(committee, committee.last_joint_meeting)
    can_manage = selectors.can_manage(request.user, committee.community_id)
    can_record = selectors.can_record_meetings(request.user, committee)
    context = {
        "committee": committee,
        "current_members": [m for m in members if m.ends_on is None or m.ends_on >= today],
        "past_members": [m for m in members if m.ends_on is not None and m.ends_on < today],
        "charter": charter,
        "areas": committee.areas.prefetch_related("nodes").order_by("size", "pk"),
        "earlier_charters": committee.charters.exclude(pk=charter.pk if charter else None),
        "meetings": selectors.meeting_list_for(user=request.user,
                                               committee=committee.pk)
                    .order_by("-held_on", "-pk")[:50],
        "open_decisions": selectors.open_decisions(committee=committee),
        "next_due": next_due,
        "overdue": is_overdue(committee, next_due, today),
        "can_manage": can_manage,
        "can_record": can_record,
    }
    if can_manage:
        context["member_form"] = forms.get("member_form") or _member_form(request, committee)
        context["charter_form"] = forms.get("charter_form") or CharterForm(
            initial={"adopted_on": today})
    if can_record:
        context["meeting_form"] = forms.get("meeting_form") or MeetingForm(
            initial={"held_on": next_due if next_due >= today else today})
    return render(request, "committees/committee_detail.html", context, status=status)


@requires(selectors.READ)
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    return _detail(request, committee)


@requires(selectors.MANAGE)
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, committee.community_id))
    form = _member_form(request, committee, request.POST)
    member = save_with(form, lambda data: services.member_add(
        committee=committee, actor=request.user, **data))
    if member is not None:
        messages.success(request, _("%(name)s added to the committee.") % {
            "name": member.display_name})
        return redirect("committees:detail", committee.pk)
    return _detail(request, committee, member_form=form)


@requires(selectors.MANAGE)
@require_POST
def charter_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    require(selectors.can_manage(request.user, committee.community_id))
    form = CharterForm(request.POST, request.FILES)
    charter = save_with(form, lambda data: services.charter_adopt(
        committee=committee, actor=request.user, adopted_on=data["adopted_on"], text=data["text"],
        file=data["file"]))
    if charter is not None:
        messages.success(request, _("Charter version %(version)s recorded.") % {
            "version": charter.version})
        return redirect("committees:detail", committee.pk)
    return _detail(request, committee, charter_form=form)


@requires(selectors.READ)
@cache_control(private=True, max_age=300)
def charter_file(request: HttpRequest, pk: int, charter_pk: int) -> FileResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    charter = committee.charters.filter(pk=charter_pk).exclude(file="").first()
    if charter is None:
        raise Http404
    return file_response(charter.file)


@requires(selectors.READ)
@require_POST
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for(user=request.user, pk=pk)
    require(selectors.can_record_meetings(request.user, committee))
    form = MeetingForm(request.POST)
    meeting = save_with(form, lambda data: services.meeting_schedule(
        committee=committee, actor=request.user, title=data["title"], held_on=data["held_on"],
        kind=data["kind"], starts_at=data["starts_at"], place=data["place"],
        agenda=form.agenda_items()))
    if meeting is not None:
        messages.success(request, _("Meeting scheduled."))
        return redirect("committees:meeting", meeting.pk)
    return _detail(request, committee, meeting_form=form)
