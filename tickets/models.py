"""Tickets (哨源库): intake, ownership on the grid tree, deadlines, timeline and reminders."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridportal.uploads import unguessable_path
from grids.models import GridNode, NodeKind, Role, phone_validator
from residents.models import Building, Dwelling, Resident


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    JIESU_JIBAN = "jiesu_jiban", _("Respond at once (接诉即办)")
    CITY_MANAGEMENT = "city_management", _("Digital city management")
    LETTERS_VISITS = "letters_visits", _("Letters and visits")
    PROPOSAL = "proposal", _("Resident proposal")
    WECHAT_GROUP = "wechat_group", _("WeChat micro-grid group")
    SELF_REPORT = "self_report", _("Self-report page")
    WALK_IN = "walk_in", _("Walk-in at a service point")
    PHONE_CALL = "phone_call", _("Phone call to the center (来电)")
    PATROL = "patrol", _("Grid worker's patrol")
    REFERRAL = "referral", _("Referral notice (网格抄告)")
    COMMITTEE = "committee", _("Committee decision (议事决定)")
    OPEN311 = "open311", _("City app (Open311)")


class Whistle(models.TextChoices):
    ROUTINE = "routine", pgettext_lazy("whistle class", "Routine")
    KEY = "key", pgettext_lazy("whistle class", "Key")
    KEY_CITY = "key_city", pgettext_lazy("whistle class", "Key, city level")
    EMERGENCY = "emergency", pgettext_lazy("whistle class", "Emergency")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    REPLIED = "replied", _("Replied")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD,
                 Status.RESOLVED, Status.REPLIED, Status.FOLLOW_UP, Status.RETURNED)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.REJECTED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Category(models.Model):
    """Editable in admin. A category may route its tickets to a role at a given level of the
    tree (e.g. elevator faults to the hub's property staff)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    route_to_kind = models.CharField(_("route to node kind"), max_length=16,
                                     choices=NodeKind.choices, blank=True)
    route_to_role = models.CharField(_("route to role"), max_length=24, choices=Role.choices,
                                     blank=True)
    is_wish = models.BooleanField(_("micro-wish (微心愿)"), default=False)
    # Internal categories (a committee's decision, say) are for staff: residents never see
    # them on the self-report page or in the public API.
    internal = models.BooleanField(
        _("internal (not offered to residents)"), default=False,
        help_text=_("Staff only: not offered on the public report page or in the public API."))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class UnsatisfiedTo(models.TextChoices):
    OWNER = "owner", _("Back to the grid that owns it")
    SUPERVISOR = "supervisor", _("To the supervisor (the node above)")


class EvaluationPolicy(models.Model):
    """How residents rate the outcome on the tracking page (回访评议): one row, editable in
    admin (`selectors.evaluation_policy` answers the defaults while there is none)."""

    rating_days = models.PositiveSmallIntegerField(
        _("days to rate after resolution"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("A resident may rate the outcome once, within this many days after the "
                    "ticket is resolved."))
    unsatisfied_to = models.CharField(
        _("an unsatisfied rating goes"), max_length=16, choices=UnsatisfiedTo.choices,
        default=UnsatisfiedTo.OWNER,
        help_text=_("Reopen the work at the owning grid, or send it to the node above it."))

    class Meta:
        verbose_name = _("resident rating policy")
        verbose_name_plural = _("resident rating policy")
        constraints = [
            models.CheckConstraint(condition=Q(rating_days__gte=1, rating_days__lte=90),
                                   name="tickets_rating_days_range"),
        ]

    def __str__(self) -> str:
        return str(_("Resident rating policy"))


class Department(models.Model):
    """A department summoned by a whistle (吹哨报到): 城管, 派出所, 住建, 市场监管 ..."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    liaisons = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("liaisons"),
                                      blank=True, related_name="departments")
    categories = models.ManyToManyField(Category, verbose_name=_("usual categories"),
                                        blank=True, related_name="departments")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


WHISTLING_KINDS = (NodeKind.STREET, NodeKind.COMMUNITY)


class WhistleRule(models.Model):
    """Who may whistle a ticket to a department (吹哨): a level of the tree, the street or a
    community, optionally one node of that level and one department. A level with no active
    row whistles to nobody: it escalates (上报) instead. The default row (migration 0015) lets
    every street whistle to every department; a street allows one of its communities by adding
    a row for it, to every department or to one."""

    node_kind = models.CharField(
        _("level"), max_length=16,
        choices=[(kind.value, kind.label) for kind in WHISTLING_KINDS])
    node = models.ForeignKey(
        GridNode, verbose_name=_("street or community"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="whistle_rules",
        limit_choices_to={"kind__in": [kind.value for kind in WHISTLING_KINDS]},
        help_text=_("Leave empty for every node of the level."))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="whistle_rules",
        help_text=_("Leave empty for every department."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("whistle rule")
        verbose_name_plural = _("whistle rules")
        ordering = ["node_kind", "node__name", "department__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(node_kind__in=[kind.value for kind in WHISTLING_KINDS]),
                name="tickets_whistle_rule_level"),
        ]

    def __str__(self) -> str:
        where = self.node.name if self.node is not None else self.get_node_kind_display()
        to = self.department.name if self.department is not None else _("every department")
        return f"{where} → {to}"

    def clean(self) -> None:
        super().clean()
        if self.node is not None and self.node.kind != self.node_kind:
            raise ValidationError({"node": _("Choose a node of the level chosen above.")})



class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class Clock(models.TextChoices):
    """How a deadline policy counts its hours."""

    WALL = "wall", _("Wall-clock hours (自然小时)")
    WORKING = "working", _("Working hours (工作小时)")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (放假)")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


class HolidayArrangement(models.Model):
    """One year's official holiday arrangement, as the State Council's notice announces it.

    Its presence is what makes the year official: the working-day calendar then reads that year
    from the calendar days alone (holidays and make-up working days listed, weekends otherwise).
    A year without one falls back to the statutory public holidays computed from the solar and
    lunar calendars, without make-up days. A separate row per year, rather than "the year has
    some days entered", lets an administrator enter a notice's days one by one without the
    year turning official half-entered, and places a notice's days that fall in another year
    (a New Year's holiday announced with the previous year's notice) where they belong.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2200)])
    notice = models.CharField(_("notice"), max_length=200,
                              help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知"))
    url = models.URLField(_("notice URL"), blank=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} · {self.notice}"


class CalendarDay(models.Model):
    """A public holiday or a make-up working day, from the notice of an arrangement."""

    arrangement = models.ForeignKey(HolidayArrangement, on_delete=models.CASCADE,
                                    related_name="days", verbose_name=_("notice"))
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=50, help_text=_("e.g. 元旦, 春节"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]),
                                   name="tickets_calendar_day_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"


class SLAPolicy(models.Model):
    """Deadlines for one whistle class at one kind of node (rows editable in admin)."""

    whistle = models.CharField(_("whistle class"), max_length=16, choices=Whistle.choices)
    node_kind = models.CharField(_("node kind"), max_length=16, choices=NodeKind.choices)
    accept_hours = models.PositiveIntegerField(_("hours to accept"))
    contact_hours = models.PositiveIntegerField(_("hours to first contact"))
    resolve_amount = models.PositiveIntegerField(_("time to resolve"))
    resolve_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices,
                                    default=DeadlineUnit.WORKING_DAYS)
    warn_percent = models.PositiveSmallIntegerField(
        _("early warning at (% of the window)"), default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)])
    grace_hours = models.PositiveIntegerField(
        _("grace before automatic escalation (hours)"), default=24)
    # The default rows count routine tickets in working hours and the urgent classes (key,
    # city-level key, emergency) in wall-clock hours (migration 0012, services.DEFAULT_CLOCK).
    clock = models.CharField(
        _("hours counted"), max_length=16, choices=Clock.choices, default=Clock.WALL,
        help_text=_("Working hours run on working days only: hours on a weekend day or a "
                    "holiday are not counted. Applies to accepting, first contact, resolution "
                    "in hours and the grace before escalation."))

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["whistle", "node_kind"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "node_kind"],
                                    name="tickets_sla_unique"),
            models.CheckConstraint(condition=Q(warn_percent__gte=1, warn_percent__lte=99),
                                   name="tickets_sla_warn_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_whistle_display()} · {self.get_node_kind_display()}"


class Ticket(models.Model):
    # Public identity: a readable reference, an unguessable tracking token for the public page,
    # and a short code that works over the phone only together with the reporter's phone.
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    tracking_token = models.CharField(_("tracking token"), max_length=64, unique=True,
                                      editable=False)
    short_code = models.CharField(_("short code"), max_length=8, db_index=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    whistle = models.CharField(_("whistle class"), max_length=16, choices=Whistle.choices,
                               default=Whistle.ROUTINE)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="tickets")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    # Where: a dwelling, a building or just a grid. `node` is the grid covering the location.
    node = models.ForeignKey(GridNode, verbose_name=_("location grid"),
                             on_delete=models.PROTECT, related_name="located_tickets")
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="tickets")
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="tickets")
    address = models.CharField(_("place"), max_length=200, blank=True)
    # The point on the map, WGS-84: the building's, or where the reporter stood.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    # Who asked: a resident from the registry, or a caller with a name and phone.
    resident = models.ForeignKey(Resident, verbose_name=_("reporter (resident)"),
                                 on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="tickets")
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True,
                                      validators=[phone_validator])
    # Who owns it now: a node of the tree, or a department once whistled past the street.
    owner = models.ForeignKey(GridNode, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_tickets")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="tickets")
    # Every department ever whistled (吹哨报到): their liaisons keep sight of the ticket.
    summoned_departments = models.ManyToManyField(
        Department, verbose_name=_("departments summoned"), blank=True,
        related_name="summoned_tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"),
                                 on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_tickets")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.NEW, db_index=True)
    stage_started_at = models.DateTimeField(_("stage started at"))
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("contact by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("on hold since"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    # When the deadline sweep must next look at this ticket (a warning, a deadline, the end of
    # a grace period); null when nothing is pending. The sweep reads only rows due by this index.
    next_check_at = models.DateTimeField(_("next deadline check"), null=True, blank=True,
                                         db_index=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16,
                                    choices=Satisfaction.choices, blank=True)
    # The resident's own rating on the tracking page (once per ticket).
    rated_at = models.DateTimeField(_("rated by the resident at"), null=True, blank=True)
    rating_comment = models.TextField(_("resident's comment"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    returns_upheld = models.PositiveSmallIntegerField(_("returns upheld"), default=0)
    returns_rejected = models.PositiveSmallIntegerField(_("returns rejected"), default=0)
    extensions = models.PositiveSmallIntegerField(_("extensions granted"), default=0)
    extension_requested_until = models.DateTimeField(_("extension requested until"),
                                                     null=True, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="duplicates")
    external_number = models.CharField(_("external number"), max_length=40, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    idempotency_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="created_tickets")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status"], name="tickets_owner_status"),
            models.Index(fields=["status", "resolve_due_at"], name="tickets_status_due"),
            models.Index(fields=["status", "accept_due_at"], name="tickets_status_accept"),
            models.Index(fields=["-created_at", "-id"], name="tickets_keyset"),
            # The sweep walks due tickets in id order: only those with a check pending.
            models.Index(fields=["id", "next_check_at"], condition=Q(next_check_at__isnull=False),
                         name="tickets_sweep_walk"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_number"],
                                    condition=~Q(external_number=""),
                                    name="tickets_external_number_unique"),
            models.UniqueConstraint(fields=["idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="tickets_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(status__in=Status.values),
                                   name="tickets_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="tickets_merged_has_target"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status changed")
    COMMENT = "comment", _("Internal comment")
    REPLY = "reply", _("Public reply")
    PROGRESS = "progress", _("Progress")
    REMINDER = "reminder", _("Reminder")


class TicketEvent(models.Model):
    """One line of a ticket's timeline. `public` lines are shown on the tracking page."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=24, blank=True)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices,
                                   blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                              on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("shown to the resident"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.action}"


def ticket_photo_path(instance: "TicketPhoto", filename: str) -> str:
    return unguessable_path("tickets", filename)


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="photos")
    event = models.ForeignKey(TicketEvent, verbose_name=_("event"), on_delete=models.CASCADE,
                              null=True, blank=True, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=ticket_photo_path)
    public = models.BooleanField(_("shown to the resident"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket photo")
        verbose_name_plural = _("ticket photos")

    def __str__(self) -> str:
        return str(_("Photo %(n)s") % {"n": self.pk})


class ReminderStage(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    CONTACT = "contact", _("First contact")
    RESOLVE = "resolve", _("Resolve")
    FOLLOW_UP = "follow_up", _("Follow-up call")


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated automatically")


class Reminder(models.Model):
    """One reminder per (ticket, stage, kind, owner level): a sweep that runs twice sends nothing
    twice, and an escalated ticket's new stage can be reminded afresh."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="reminders")
    stage = models.CharField(_("stage"), max_length=16, choices=ReminderStage.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "stage", "kind", "level"],
                                    name="tickets_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.get_kind_display()}"


class Notification(models.Model):
    """The in-app inbox behind the bell."""

    # No user: the message went to the owning node's group robot instead of an inbox.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               null=True, blank=True, related_name="notifications")
    text = models.CharField(_("text"), max_length=200)
    # Where the notice leads when it is not about a ticket (a committee's page, say).
    link = models.CharField(_("link"), max_length=200, blank=True)
    # What caused it ("event:<id>" or "reminder:<id>") and for whom: a retried delivery task
    # finds the row already there and sends nothing twice.
    key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When its e-mail copy went out: a delivery cut short between the inbox row and the mail
    # (a worker killed there) sends the mail when it runs again.
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="tickets_inbox_unread")]

    def __str__(self) -> str:
        return self.text


class NodeWebhook(models.Model):
    """A WeCom group robot (企业微信群机器人) that hears about the tickets a node owns."""

    node = models.OneToOneField(GridNode, verbose_name=_("grid node"), on_delete=models.CASCADE,
                                related_name="ticket_webhook")
    url = models.URLField(_("robot webhook URL"), max_length=300)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group robot webhook")
        verbose_name_plural = _("group robot webhooks")

    def __str__(self) -> str:
        return str(self.node)


# --- KPI rollups (tickets.rollup) -------------------------------------------------------------


class KpiMeasures(models.Model):
    """What one ticket adds to the KPIs (tickets.kpis), by its current state; the accept events
    add `accepts` and `accepts_on_time`. Durations are in microseconds. A delta may be
    negative: a ticket that moves takes its old contribution away and adds its new one.
    Grouped by the ticket's owner, its location and a person: the assignee for the ticket's own
    figures, the actor for its acceptances (0: nobody)."""

    owner = models.ForeignKey(GridNode, on_delete=models.DO_NOTHING, db_constraint=False,
                              db_index=False, related_name="+")
    node = models.ForeignKey(GridNode, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    person_id = models.BigIntegerField(default=0)
    total = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    evaluated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    returned_now = models.IntegerField(default=0)
    returns_upheld = models.IntegerField(default=0)
    returns_rejected = models.IntegerField(default=0)
    extensions = models.IntegerField(default=0)
    escalations = models.IntegerField(default=0)
    whistled = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accept_us = models.BigIntegerField(default=0)
    resolve_count = models.IntegerField(default=0)
    resolve_us = models.BigIntegerField(default=0)
    accepts = models.IntegerField(default=0)
    accepts_on_time = models.IntegerField(default=0)
    # And a count per whistle class, channel and status (whistle_key, channel_hotline, ...),
    # added below from the enums: a new value gets its column with its migration.

    class Meta:
        abstract = True


BREAKDOWNS = {"whistle": Whistle, "channel": Channel, "status": Status}
for _dimension, _enum in BREAKDOWNS.items():
    for _value in _enum.values:
        KpiMeasures.add_to_class(f"{_dimension}_{_value}", models.IntegerField(default=0))


class KpiRollup(KpiMeasures):
    """The KPI measures summed per (day or month of intake, owner, location, person): `person`
    is the assignee for a ticket's own figures and the actor for its acceptances (0: nobody).
    Kept by `tickets.rollup.fold` from the deltas the database triggers write; never edited by
    hand (`manage.py rebuild_kpis` recomputes it)."""

    class Span(models.TextChoices):
        DAY = "d", _("day")
        MONTH = "m", _("month")

    span = models.CharField(max_length=1, choices=Span.choices)
    period = models.DateField()  # the day, or the first day of the month

    class Meta:
        verbose_name = _("KPI rollup row")
        verbose_name_plural = _("KPI rollup rows")
        constraints = [models.UniqueConstraint(
            fields=["span", "period", "owner", "node", "person_id"],
            name="tickets_kpirollup_key")]
        indexes = [models.Index(fields=["owner", "span", "period"], name="tickets_kpi_owner"),
                   models.Index(fields=["node", "span", "period"], name="tickets_kpi_node")]

    def __str__(self) -> str:
        return f"{self.span} {self.period} {self.owner_id}/{self.node_id}"


class KpiDelta(KpiMeasures):
    """A change to the KPI measures of one ticket (or one acceptance), written by the database
    triggers in the transaction that changed the ticket, folded into `KpiRollup` by a Celery
    job. Reports read the rollup plus the deltas not folded yet, so they are exact at once."""

    day = models.DateField()  # the ticket's day of intake, local time

    class Meta:
        verbose_name = _("KPI delta")
        verbose_name_plural = _("KPI deltas")

    def __str__(self) -> str:
        return f"{self.day} {self.owner_id}/{self.node_id}"
