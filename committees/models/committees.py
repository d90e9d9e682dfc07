"""The five committees (五委) of a community: sub-areas, charters, members, meetings, agenda,
attendance, decisions, and the reminders of the joint-meeting cadence."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import GridNode, phone_validator
from residents.models import Resident
from tickets.models import Ticket


class CommitteeKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents' committee")
    PROPERTY = "property", _("Property service committee")
    DISPUTE = "dispute", _("Dispute prevention committee")
    PUBLIC_SERVICE = "public_service", _("Public service committee")
    MUTUAL_AID = "mutual_aid", _("Mutual aid committee")
    OTHER = "other", _("Other committee")


class Committee(models.Model):
    community = models.ForeignKey(GridNode, verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(_("kind"), max_length=20, choices=CommitteeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    cadence_months = models.PositiveSmallIntegerField(
        _("joint meeting every (months)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)])
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind the director (days before)"), default=7,
        validators=[MaxValueValidator(60)])
    # Set by the cadence sweep when the next joint meeting is overdue; cleared by a held meeting.
    cadence_missed_since = models.DateField(_("joint meeting overdue since"), null=True,
                                            blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["community", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"],
                                    name="committees_committee_name_unique"),
            models.CheckConstraint(condition=Q(cadence_months__gte=1, cadence_months__lte=12),
                                   name="committees_committee_cadence"),
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeArea(models.Model):
    """A named sub-area a committee covers (e.g. the property committee's large and small areas),
    each a set of grid nodes."""

    class Size(models.TextChoices):
        LARGE = "large", _("Large area")
        SMALL = "small", _("Small area")

    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=100)
    size = models.CharField(_("size"), max_length=8, choices=Size.choices, default=Size.SMALL)
    nodes = models.ManyToManyField(GridNode, verbose_name=_("grid nodes"), blank=True,
                                   related_name="committee_areas")

    class Meta:
        verbose_name = _("committee area")
        verbose_name_plural = _("committee areas")
        ordering = ["committee", "size", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"],
                                               name="committees_area_name_unique")]

    def __str__(self) -> str:
        return self.name


CHARTER_SUFFIXES = {"pdf", "doc", "docx", "txt", "jpg", "jpeg", "png"}


def charter_file_path(instance: "Charter", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"charters/{uuid.uuid4().hex}.{suffix if suffix in CHARTER_SUFFIXES else 'pdf'}"


class Charter(models.Model):
    """One adopted version of a committee's charter (章程); the newest adoption is in force."""

    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.CASCADE, related_name="charters")
    version = models.PositiveSmallIntegerField(_("version"))
    adopted_on = models.DateField(_("adopted on"))
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to=charter_file_path, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("charter")
        verbose_name_plural = _("charters")
        ordering = ["committee", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "version"],
                                    name="committees_charter_version_unique"),
            models.CheckConstraint(condition=~Q(text="") | ~Q(file=""),
                                   name="committees_charter_has_content"),
        ]

    def __str__(self) -> str:
        return f"{self.committee} v{self.version}"


class Position(models.TextChoices):
    DIRECTOR = "director", _("Director")
    DEPUTY = "deputy", _("Deputy director")
    MEMBER = "member", _("Member")


class OrganisationKind(models.TextChoices):
    COMMUNITY = "community", _("Community center")
    RESIDENT = "resident", _("Resident representative")
    POLICE = "police", _("Police station")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    JUSTICE = "justice", _("Justice office")
    PROPERTY = "property", _("Property company")
    MALL = "mall", _("Shopping-center management")
    HEALTH = "health", _("Health center")
    SCHOOL = "school", _("School")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class Member(models.Model):
    """A committee member: a portal user, a resident from the registry, or an outside contact."""

    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("portal user"),
                             on_delete=models.PROTECT, null=True, blank=True,
                             related_name="committee_memberships")
    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="committee_memberships")
    contact_name = models.CharField(_("name (outside contact)"), max_length=50, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True,
                                     validators=[phone_validator])
    position = models.CharField(_("position"), max_length=12, choices=Position.choices,
                                default=Position.MEMBER)
    organisation_kind = models.CharField(_("comes from"), max_length=16,
                                         choices=OrganisationKind.choices,
                                         default=OrganisationKind.RESIDENT)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "position", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, resident__isnull=True, contact_name="")
                           | Q(user__isnull=True, resident__isnull=False, contact_name="")
                           | (Q(user__isnull=True, resident__isnull=True)
                              & ~Q(contact_name=""))),
                name="committees_member_one_person"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")),
                                   name="committees_member_term_order"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.get_position_display()}"

    @property
    def display_name(self) -> str:
        from grids.people import person_name

        if self.user is not None:
            return person_name(self.user)
        if self.resident is not None:
            return self.resident.name
        return self.contact_name

    def serves_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("Joint meeting (联席会议)")
    DELIBERATION = "deliberation", _("One-issue deliberation (一事一议)")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices,
                            default=MeetingKind.JOINT)
    title = models.CharField(_("topic"), max_length=120)
    held_on = models.DateField(_("date"), db_index=True)
    starts_at = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    guests = models.CharField(_("other attendees"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["committee", "kind", "status", "held_on"],
                                name="committees_meeting_cadence")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("item"), max_length=200)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendance")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="attendance")
    present = models.BooleanField(_("present"), default=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="committees_attendance_once")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.meeting}"


class Decision(models.Model):
    """A decision of a meeting. Made into a ticket owned by a node, it is tracked to closure
    (项目化解决) on the meeting page."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="decisions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(GridNode, verbose_name=_("owned by"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="committee_decisions")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="committee_decision")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ticket__isnull=True)
                                   | Q(owner__isnull=False, due_on__isnull=False),
                                   name="committees_decision_ticket_has_owner_and_due"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class CommitteeReminder(models.Model):
    """One row per (committee, kind, due date): a sweep that runs twice reminds nobody twice."""

    class Kind(models.TextChoices):
        MEETING_DUE = "meeting_due", _("Joint meeting due soon")
        CADENCE_MISSED = "cadence_missed", _("Joint meeting overdue")

    committee = models.ForeignKey(Committee, verbose_name=_("committee"),
                                  on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_on = models.DateField(_("meeting due on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee reminder")
        verbose_name_plural = _("committee reminders")
        constraints = [models.UniqueConstraint(fields=["committee", "kind", "due_on"],
                                               name="committees_reminder_once")]

    def __str__(self) -> str:
        return f"{self.committee} · {self.get_kind_display()} · {self.due_on}"
