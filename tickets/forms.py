from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridportal.widgets import PlainSelect
from grids import geometry
from grids.models import GridNode
from grids.phones import PhoneFormField, clean_phone
from residents.forms import BootstrapForm, MultipleImageField

from .models import Category, Channel, Department, Satisfaction, Status, Whistle
from .workflow import RETURN_REASONS


class QueueFilterForm(BootstrapForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), ("open", _("Open"))] + Status.choices,
                               widget=PlainSelect)
    whistle = forms.ChoiceField(label=_("Whistle class"), required=False,
                                choices=[("", _("All"))] + Whistle.choices,
                                widget=PlainSelect)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All"))] + Channel.choices,
                                widget=PlainSelect)
    category = forms.ModelChoiceField(label=_("Category"), required=False,
                                      queryset=Category.objects.filter(active=True),
                                      empty_label=_("All"), widget=PlainSelect)
    node = forms.ModelChoiceField(label=_("Grid"), required=False, queryset=GridNode.objects.none(),
                                  empty_label=_("All my area"), widget=PlainSelect)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    text = forms.CharField(label=_("Reference, work order, short code or title"),
                           required=False, max_length=120)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {"status": data["status"], "whistle": data["whistle"],
                "channel": data["channel"],
                "category": data["category"].pk if data["category"] else None,
                "node": data["node"], "overdue": True if data["overdue"] else None,
                "text": data["text"].strip()}


class CallerSearchForm(BootstrapForm):
    """The caller's phone, to find their tickets: sent by POST, never in a URL."""

    phone = forms.CharField(
        label=_("Caller's phone"), max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def clean_phone(self) -> str:
        try:
            phone = clean_phone(self.cleaned_data["phone"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None
        if not phone:
            raise forms.ValidationError(_("Enter the caller's phone number."))
        return phone


class PhotosChosenAgainMixin:
    """A form with photos that comes back with errors cannot hand the chosen files back to the
    browser: it says so, so that nobody thinks the photos went with the ticket."""

    @property
    def photos_to_choose_again(self) -> int:
        """How many photos came with a form shown again with errors (none when it is valid)."""
        if not self.is_bound or not self.errors:
            return 0
        return len([photo for photo in self.files.getlist(self.add_prefix("photos")) if photo])

    @property
    def photos_must_be_chosen_again(self) -> bool:
        return self.photos_to_choose_again > 0

    photos_again_text = _("The form was not saved, so the photos you chose were not kept: "
                          "choose them again before sending.")


class TicketForm(PhotosChosenAgainMixin, BootstrapForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    whistle = forms.ChoiceField(label=_("Whistle class"), choices=Whistle.choices,
                                initial=Whistle.ROUTINE)
    category = forms.ModelChoiceField(label=_("Category"),
                                      queryset=Category.objects.filter(active=True))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(
        attrs={"rows": 4}))
    node = forms.ModelChoiceField(label=_("Grid"), queryset=GridNode.objects.none())
    building = forms.ModelChoiceField(label=_("Building"), required=False, queryset=None)
    address = forms.CharField(label=_("Place"), max_length=200, required=False)
    reporter_name = forms.CharField(label=_("Reporter"), max_length=50, required=False)
    reporter_phone = PhoneFormField(label=_("Reporter phone"), required=False)
    external_number = forms.CharField(label=_("External number (12345 work order)"),
                                      max_length=40, required=False)
    photos = MultipleImageField(label=_("Photos"), required=False)

    def __init__(self, *args, nodes=None, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["building"].queryset = buildings

    def clean(self):
        cleaned = super().clean()
        building, node = cleaned.get("building"), cleaned.get("node")
        if building and node and building.node_id != node.pk and not (
                building.node.tree_id == node.tree_id and node.lft <= building.node.lft
                and building.node.rght <= node.rght):
            self.add_error("building", _("This building is not in the chosen grid."))
        return cleaned


class ActionForm(forms.Form):
    """The parameters any transition may take; the service checks what each one needs."""

    action = forms.CharField(max_length=30)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    satisfaction = forms.ChoiceField(required=False, choices=[("", "")] + Satisfaction.choices)
    reason = forms.ChoiceField(required=False,
                               choices=[("", "")] + list(RETURN_REASONS.items()))
    until = forms.DateTimeField(required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    target = forms.ModelChoiceField(required=False, queryset=GridNode.objects.none())
    department = forms.ModelChoiceField(required=False,
                                        queryset=Department.objects.filter(active=True))
    assignee = forms.IntegerField(required=False)
    into = forms.CharField(required=False, max_length=20)
    photos = MultipleImageField(required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["target"].queryset = nodes



class WorkOrderImportForm(BootstrapForm):
    file = forms.FileField(label=_("12345 work orders (.xlsx or .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv",
                                                                  "class": "form-control"}))
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"),
                                 required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file may be at most 20 MB."))
        return upload


class QuickReportForm(PhotosChosenAgainMixin, BootstrapForm):
    """A grid worker's report from the street: what, where (one of their grids), a photo."""

    category = forms.ModelChoiceField(label=_("Category"),
                                      queryset=Category.objects.filter(active=True),
                                      widget=forms.RadioSelect, empty_label=None)
    node = forms.ModelChoiceField(label=_("Grid"), queryset=GridNode.objects.none(),
                                  empty_label=None, required=False)
    title = forms.CharField(label=_("What is wrong"), max_length=120)
    address = forms.CharField(label=_("Place"), max_length=200, required=False)
    whistle = forms.ChoiceField(label=_("Whistle class"), choices=Whistle.choices,
                                initial=Whistle.ROUTINE, widget=forms.RadioSelect)
    photos = MultipleImageField(label=_("Photos"), required=False)
    # The phone's location (WGS-84, from the browser), filled by "use current location".
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False)
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False)

    location_error = _("The phone's location could not be read. Press \"Use current location\" "
                       "again, or choose the grid.")

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes

    def clean(self):
        """With the phone's location the ticket is routed by place (the grid in the list is
        set aside); without it, by the grid chosen."""
        data = super().clean()
        given = [str(self.data.get(name, "")).strip() for name in ("latitude", "longitude")]
        if any(given):
            try:
                geometry.check_point(lat=data.get("latitude"), lon=data.get("longitude"))
            except ValidationError:
                self.add_error(None, self.location_error)
                data["latitude"] = data["longitude"] = None
            else:
                data["node"] = None
                return data
        if data.get("node") is None and "node" not in self.errors:
            self.add_error("node", _("Choose the grid, or use the current location."))
        return data
