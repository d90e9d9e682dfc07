"""Forms of the committees pages. They check the shape of the input; the services check the
rules and their errors are put back on these forms (gridportal.forms.add_service_errors)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridportal.forms import YearField
from grids.models import GridNode, ServicePoint
from grids.phones import PhoneFormField
from residents.forms import BootstrapForm, MultipleImageField
from residents.models import Resident
from tickets.models import Ticket

from .models import (
    BOARD_TEXT_LENGTH,
    Activity,
    Committee,
    CommitteeKind,
    MeetingKind,
    OrganisationKind,
    PartnerKind,
    PartnerUnit,
    Position,
    Resource,
    ServiceItem,
    ServiceMode,
    Theme,
    Volunteer,
    VolunteerTeam,
)

User = get_user_model()


def _iso_date() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MemberForm(BootstrapForm):
    """One person per member: a portal user, a resident (by registry number) or a contact."""

    position = forms.ChoiceField(label=_("Position"), choices=Position.choices,
                                 initial=Position.MEMBER)
    user = forms.ModelChoiceField(label=_("Portal user"), required=False,
                                  queryset=User.objects.none(), empty_label=_("(none)"))
    resident = forms.ModelChoiceField(
        label=_("Resident (registry number)"), required=False,
        queryset=Resident.objects.none(), widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("The number in the address of the resident's page."),
        error_messages={"invalid_choice": _("No resident with this number in your area.")})
    contact_name = forms.CharField(label=_("Or an outside contact's name"), max_length=50,
                                   required=False)
    contact_phone = PhoneFormField(label=_("Phone"), required=False)
    organisation_kind = forms.ChoiceField(label=_("Comes from"),
                                          choices=OrganisationKind.choices,
                                          initial=OrganisationKind.RESIDENT)
    organisation = forms.CharField(label=_("Organisation"), max_length=100, required=False)
    starts_on = forms.DateField(label=_("Term starts"), widget=_iso_date())
    ends_on = forms.DateField(label=_("Term ends"), required=False, widget=_iso_date())

    def __init__(self, *args, users=None, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users
        if residents is not None:
            self.fields["resident"].queryset = residents


class CommitteeForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitteeKind.choices)
    name = forms.CharField(label=pgettext_lazy("organisation or item", "Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    cadence_months = forms.IntegerField(label=_("Joint meeting every (months)"), initial=3,
                                        min_value=1, max_value=12)
    remind_days_before = forms.IntegerField(label=_("Remind the director (days before)"),
                                            initial=7, min_value=0, max_value=60)


class CharterForm(BootstrapForm):
    adopted_on = forms.DateField(label=_("Adopted on"), widget=_iso_date())
    text = forms.CharField(label=_("Text of the charter"), required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(label=_("Or its file (PDF, Word, photo)"), required=False,
                           widget=forms.ClearableFileInput(attrs={
                               "class": "form-control",
                               "accept": ".pdf,.doc,.docx,.txt,.jpg,.jpeg,.png"}))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file may be at most 20 MB."))
        return upload


class MeetingForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices,
                             initial=MeetingKind.JOINT)
    title = forms.CharField(label=_("Topic"), max_length=120)
    held_on = forms.DateField(label=_("Date"), widget=_iso_date())
    starts_at = forms.TimeField(label=_("Time"), required=False,
                                widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    agenda = forms.CharField(label=_("Agenda"), required=False,
                             help_text=_("One item per line."),
                             widget=forms.Textarea(attrs={"rows": 4}))

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines()
                if line.strip()]


class MeetingRecordForm(BootstrapForm):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    guests = forms.CharField(label=_("Other attendees"), max_length=200, required=False)
    present = forms.TypedMultipleChoiceField(label=_("Present"), required=False, coerce=int,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(member.pk, member.display_name)
                                          for member in members]


class DecisionForm(BootstrapForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Carried out by"), required=False,
                                   queryset=GridNode.objects.none(),
                                   empty_label=_("(nobody yet)"))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_iso_date())
    make_ticket = forms.BooleanField(label=_("Make it a ticket and track it to closure"),
                                     required=False, initial=True)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["owner"].queryset = nodes


class AttendanceForm(forms.Form):
    present = forms.BooleanField(required=False)


class BoardTextForm(BootstrapForm):
    """The text staff publish for a need on the public board."""

    text = forms.CharField(label=_("Text to publish"), max_length=BOARD_TEXT_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Phone and ID numbers and residents' names must not "
                                       "appear; keep a family name as 李**."))


class MatchForm(BootstrapForm):
    need = forms.ModelChoiceField(label=_("Need"), queryset=Ticket.objects.none())
    service = forms.ModelChoiceField(label=_("Service"), required=False,
                                     queryset=ServiceItem.objects.none(),
                                     empty_label=_("(none)"))
    resource = forms.ModelChoiceField(label=_("Or a partner's resource"), required=False,
                                      queryset=Resource.objects.none(),
                                      empty_label=_("(none)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, needs=None, services=None, resources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs if needs is not None else Ticket.objects.none()
        self.fields["need"].label_from_instance = lambda t: f"{t.reference} · {t.title}"
        if services is not None:
            self.fields["service"].queryset = services
        if resources is not None:
            self.fields["resource"].queryset = resources
            self.fields["resource"].label_from_instance = (
                lambda r: f"{r.partner.name} · {r.name}")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("service") and cleaned.get("resource"):
            self.add_error("resource", _("Choose one service or one resource, not both."))
        elif not (cleaned.get("service") or cleaned.get("resource")) and "need" in cleaned:
            self.add_error("service", _("Choose one service or one resource."))
        return cleaned


class ActivityFilterForm(forms.Form):
    year = YearField(label=_("Year"), required=False,
                     widget=forms.NumberInput(attrs={"class": "form-control"}))
    theme = forms.ChoiceField(label=_("Theme"), required=False,
                              choices=[("", _("All"))] + list(Theme.choices),
                              widget=forms.Select(attrs={"class": "form-select"}))


class ActivityForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    held_on = forms.DateField(label=_("Date"), widget=_iso_date())
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    participants = forms.IntegerField(label=_("Participants"), min_value=0, initial=0,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    committee = forms.ModelChoiceField(label=_("Organised by a committee"), required=False,
                                       queryset=Committee.objects.none(),
                                       empty_label=_("(none)"))
    partner = forms.ModelChoiceField(label=_("or a partner unit"), required=False,
                                     queryset=PartnerUnit.objects.none(),
                                     empty_label=_("(none)"))
    team = forms.ModelChoiceField(label=_("or a volunteer team"), required=False,
                                  queryset=VolunteerTeam.objects.none(),
                                  empty_label=_("(none)"))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleImageField(label=_("Photos"), required=False)

    def __init__(self, *args, committees=None, partners=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (("committee", committees), ("partner", partners),
                               ("team", teams)):
            if queryset is not None:
                self.fields[name].queryset = queryset


# --- Records kept by the community's staff: partner units, resources, services, teams --------


def _phone(label) -> forms.CharField:
    return PhoneFormField(label=label, required=False)


class RecordForm(BootstrapForm):
    """A form whose fields are a model's fields of the same names: `initial_from(instance)`
    fills it for editing, `cleaned_data` goes to the service as keyword arguments."""

    @classmethod
    def initial_from(cls, instance) -> dict:
        return {name: getattr(instance, name) for name in cls.base_fields}


class PartnerForm(RecordForm):
    name = forms.CharField(label=pgettext_lazy("organisation or item", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices,
                             initial=PartnerKind.COMPANY)
    party_committee_member = forms.BooleanField(
        label=_("Member unit of the big party committee"), required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = _phone(_("Contact phone"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=_iso_date())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ResourceForm(RecordForm):
    name = forms.CharField(label=pgettext_lazy("organisation or item", "Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    capacity = forms.CharField(label=_("How much / how often"), max_length=100, required=False)
    available = forms.BooleanField(label=_("Available"), required=False, initial=True)
    public = forms.BooleanField(label=_("Shown on the public board"), required=False,
                                initial=True)


class ServiceItemForm(RecordForm):
    name = forms.CharField(label=pgettext_lazy("organisation or item", "Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    mode = forms.ChoiceField(label=_("How"), choices=ServiceMode.choices,
                             initial=ServiceMode.WALK_IN)
    service_point = forms.ModelChoiceField(label=_("Service point"), required=False,
                                           queryset=ServicePoint.objects.none(),
                                           empty_label=_("(none)"))
    place = forms.CharField(label=_("Where"), max_length=120, required=False)
    hours = forms.CharField(label=_("When"), max_length=120, required=False)
    phone = _phone(_("Appointment phone"))
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, service_points=None, **kwargs):
        super().__init__(*args, **kwargs)
        if service_points is not None:
            self.fields["service_point"].queryset = service_points


class TeamForm(BootstrapForm):
    name = forms.CharField(label=pgettext_lazy("organisation or item", "Name"), max_length=100)
    description = forms.CharField(label=_("What the team does"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class VolunteerForm(BootstrapForm):
    """A resident found by registry number (as on the member form) or a portal user."""

    resident = forms.ModelChoiceField(
        label=_("Resident (registry number)"), required=False,
        queryset=Resident.objects.none(), widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("The number in the address of the resident's page."),
        error_messages={"invalid_choice": _("No resident with this number in your area.")})
    user = forms.ModelChoiceField(label=_("Or a portal user"), required=False,
                                  queryset=User.objects.none(), empty_label=_("(none)"))
    party_member = forms.BooleanField(label=_("Party member"), required=False)
    leader = forms.BooleanField(label=_("Team leader"), required=False)
    joined_on = forms.DateField(label=_("Joined on"), widget=_iso_date())

    def __init__(self, *args, users=None, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users
        if residents is not None:
            self.fields["resident"].queryset = residents


class ServiceHoursForm(BootstrapForm):
    """Filled in on a phone after the work: large fields, the date defaulting to today."""

    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())
    served_on = forms.DateField(label=_("Date"), widget=_iso_date())
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=1,
                               widget=forms.NumberInput(attrs={
                                   "inputmode": "decimal", "step": "0.5", "min": "0.5",
                                   "max": "24"}))
    activity = forms.ModelChoiceField(label=_("Activity"), required=False,
                                      queryset=Activity.objects.none(),
                                      empty_label=_("(none)"))
    note = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def __init__(self, *args, volunteers=None, activities=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (("volunteer", volunteers), ("activity", activities)):
            if queryset is not None:
                self.fields[name].queryset = queryset
        self.fields["volunteer"].label_from_instance = lambda v: v.display_name
        self.fields["activity"].label_from_instance = (
            lambda a: f"{a.held_on:%Y-%m-%d} {a.title}")
        for field in self.fields.values():
            field.widget.attrs["class"] += (" form-select-lg" if isinstance(
                field.widget, forms.Select) else " form-control-lg")
