from django import forms
from django.utils.translation import gettext_lazy as _

from gridportal.widgets import PlainSelect
from grids.phones import PhoneFormField

from .models import ConcernLevel, Relation, ResidenceType, VisitPurpose
from .selectors import TAGS

TAG_LABELS = {
    "party_member": _("Party member"), "dual_report": _("Dual report"),
    "elderly": _("Elderly"), "child": _("Child (under 18)"), "disabled": _("Disabled"),
    "veteran": _("Veteran"), "low_income": _("Low income"), "living_alone": _("Living alone"),
    "concern": _("Person of concern"),
}


def _iso_date() -> forms.DateInput:
    # <input type="date"> only takes yyyy-mm-dd, whatever the language's date format.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class BootstrapForm(forms.Form):
    """Give every text-like widget Bootstrap's classes and a large touch size."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect
                          | forms.CheckboxSelectMultiple | forms.ClearableFileInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


class RegistryFilterForm(forms.Form):
    text = forms.CharField(label=_("Name or door"), required=False, max_length=50)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False,
                                     choices=[(tag, TAG_LABELS[tag]) for tag in TAGS],
                                     widget=forms.CheckboxSelectMultiple)
    residence_type = forms.ChoiceField(label=_("Residence type"), required=False,
                                       choices=[("", _("All"))] + list(ResidenceType.choices))
    building = forms.ModelChoiceField(label=_("Building"), required=False, queryset=None,
                                      widget=PlainSelect(attrs={"class": "form-select"}))

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A choice shows the building's label (estate and name); its grid is not read.
        self.fields["building"].queryset = buildings.select_related(None).only("estate", "name")
        self.fields["building"].empty_label = _("All buildings")


class NumberSearchForm(forms.Form):
    """A search by phone number or full ID number: sent by POST, never in a URL."""

    phone = forms.CharField(
        label=_("Phone number"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    id_number = forms.CharField(
        label=_("Full ID number"), max_length=24, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                      "spellcheck": "false"}))

    def clean_phone(self) -> str:
        phone = "".join(self.cleaned_data["phone"].split()).replace("-", "")
        if phone and (not phone.isdigit() or len(phone) < 4):
            raise forms.ValidationError(_("Enter at least four digits of the number, such as "
                                          "its last four."))
        return phone

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("phone") or cleaned.get("id_number")):
            raise forms.ValidationError(_("Enter a phone number or a full ID number."))
        return cleaned

    def criteria(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("phone", "id_number")
                if self.cleaned_data.get(name)}


class ResidentForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=24, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices,
                                 required=False)
    phone = PhoneFormField(label=_("Phone"), required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    moved_in_on = forms.DateField(label=_("Moved in on"), required=False,
                                  widget=_iso_date())
    expected_stay_until = forms.DateField(label=_("Expected to stay until"), required=False,
                                          widget=_iso_date())
    registration_place = forms.CharField(label=_("Household registration place"),
                                         max_length=100, required=False)
    party_member = forms.BooleanField(label=_("Party member"), required=False)
    dual_report = forms.BooleanField(label=_("Dual report (双报到)"), required=False)
    disabled = forms.BooleanField(label=_("Disabled"), required=False)
    veteran = forms.BooleanField(label=_("Veteran"), required=False)
    low_income = forms.BooleanField(label=_("Low income"), required=False)
    living_alone = forms.BooleanField(label=_("Living alone"), required=False)
    concern = forms.BooleanField(label=_("Person of concern"), required=False)
    concern_level = forms.ChoiceField(label=_("Concern level"), required=False,
                                      choices=[("", "—")] + list(ConcernLevel.choices))
    concern_reason = forms.CharField(label=_("Concern reason"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, creating: bool, in_household: bool, concern_reader: bool,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["id_number"].required = True
        else:
            self.fields["id_number"].help_text = _("Leave empty to keep the current number.")
        if not (creating and in_household):
            del self.fields["relation"]
        if not concern_reader:
            del self.fields["concern_reason"]


class RevealForm(BootstrapForm):
    reason = forms.CharField(label=_("Why do you need the full number?"), max_length=200)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(
            attrs={"accept": "image/*", "capture": "environment", "multiple": True,
                   "class": "form-control form-control-lg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class VisitForm(BootstrapForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=VisitPurpose.choices,
                                widget=forms.RadioSelect)
    visited_on = forms.DateField(label=_("Date"), widget=_iso_date())
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)
    photos = MultipleImageField(label=_("Photos"), required=False)


class HouseholdForm(BootstrapForm):
    number = forms.CharField(label=_("Household number"), max_length=30, required=False)


class HouseholdLookupForm(BootstrapForm):
    q = forms.CharField(label=_("Building and door, or a name"), max_length=50, required=False)
