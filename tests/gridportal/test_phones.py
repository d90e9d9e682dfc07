"""One phone rule for every import, form, API serializer and model field: each accepts and
refuses the same numbers, stores them the same way, and says why in Chinese."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.exceptions import ValidationError as DRFValidationError

from committees.api.committees import MemberAddSerializer
from committees.api.lists import PartnerUnitSerializer, ServiceItemSerializer
from committees.forms import MemberForm, PartnerForm, ServiceItemForm
from committees.models import Member, PartnerUnit, ServiceItem
from grids.models import GridNode, ServicePoint
from grids.phones import PHONE_ERROR, clean_phone, normalise_phone
from residents.api.residents import ResidentCreateSerializer, ResidentUpdateSerializer
from residents.forms import ResidentForm
from residents.models import Building, Premises, Resident
from tests.residents.factories import valid_id
from tests.tickets.factories import category
from tickets.api import TicketCreateSerializer
from tickets.forms import TicketForm
from tickets.forms_public import ReportForm
from tickets.models import Ticket

SAME = [("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"),
        ("(0871) 6512-3456", "0871-65123456"), ("010-62345678", "010-62345678"), ("", "")]
BAD = ["12ab", "12345678901234", "65123456", "0871-0123456", "12345", "１３８１２３４５６７８"]


@pytest.mark.parametrize(("raw", "clean"), SAME)
def test_a_number_is_cleaned_the_same_way_everywhere(raw, clean):
    assert clean_phone(raw) == clean


@pytest.mark.parametrize("raw", BAD)
def test_a_bad_number_is_explained_in_chinese(raw):
    assert normalise_phone(raw) is None
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        clean_phone(raw)
    assert "手机" in error.value.messages[0]


# --- Every entry point: the same numbers accepted, stored alike, refused with the same words --


GOOD = [*(pair for pair in SAME if pair[0]), ("0871 65123456", "0871-65123456"),
        ("0086-139-0000-2222", "13900002222")]


def zh_error() -> str:
    with translation.override("zh-hans"):
        message = str(PHONE_ERROR)
    assert "手机" in message  # a Chinese sentence, not the English source
    return message


MODEL_FIELDS = [(ServicePoint, "phone"), (Resident, "phone"), (Premises, "contact_phone"),
                (Ticket, "reporter_phone"), (Member, "contact_phone"),
                (PartnerUnit, "contact_phone"), (ServiceItem, "phone")]


@pytest.mark.parametrize(("model", "name"), MODEL_FIELDS)
def test_every_phone_field_of_the_models_follows_the_rule(model, name):
    field = model._meta.get_field(name)
    for raw in BAD:
        with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
            field.clean(raw, None)
        assert error.value.messages == [zh_error()], (model, raw)
    for raw, clean in GOOD:
        assert field.clean(clean, None) == clean
        field.clean(raw, None)  # any spelling the rule reads is valid; forms store it cleaned


def _form_field(form, name: str):
    form.is_valid()
    return form.errors.get(name), form.cleaned_data.get(name)


def staff_ticket_form(phone):
    return _form_field(TicketForm(data={"reporter_phone": phone}, nodes=GridNode.objects.none(),
                                  buildings=Building.objects.none()), "reporter_phone")


def resident_form(phone):
    return _form_field(ResidentForm(data={"phone": phone}, creating=True, in_household=False,
                                    concern_reader=False), "phone")


def public_report_form(phone):
    return _form_field(ReportForm(data={"reporter_phone": phone}), "reporter_phone")


def member_form(phone):
    return _form_field(MemberForm(data={"contact_phone": phone}), "contact_phone")


def partner_form(phone):
    return _form_field(PartnerForm(data={"contact_phone": phone}), "contact_phone")


def service_item_form(phone):
    return _form_field(ServiceItemForm(data={"phone": phone}, service_points=ServicePoint.objects
                                       .none()), "phone")


FORMS = [staff_ticket_form, resident_form, public_report_form, member_form, partner_form,
         service_item_form]


@pytest.mark.django_db
@pytest.mark.parametrize("form", FORMS)
def test_every_form_refuses_a_bad_number_in_chinese(form):
    for raw in BAD:
        errors, _value = form(raw)
        assert errors == [zh_error()], (form.__name__, raw)


@pytest.mark.django_db
@pytest.mark.parametrize("form", FORMS)
def test_every_form_stores_a_good_number_cleaned(form):
    for raw, clean in GOOD:
        errors, value = form(raw)
        assert (errors, value) == (None, clean), (form.__name__, raw)


SERIALIZER_FIELDS = [(PartnerUnitSerializer, "contact_phone"), (ServiceItemSerializer, "phone"),
                     (MemberAddSerializer, "contact_phone"), (ResidentCreateSerializer, "phone"),
                     (ResidentUpdateSerializer, "phone"), (TicketCreateSerializer,
                                                           "reporter_phone")]


@pytest.mark.django_db
@pytest.mark.parametrize(("serializer", "name"), SERIALIZER_FIELDS)
def test_every_api_serializer_follows_the_rule(serializer, name):
    field = serializer().fields[name]
    for raw in BAD:
        with translation.override("zh-hans"), pytest.raises(DRFValidationError) as error:
            field.run_validation(raw)
        assert [str(m) for m in error.value.detail] == [zh_error()], (serializer, raw)
    for raw, clean in GOOD:
        assert field.run_validation(raw) == clean


@pytest.mark.django_db
def test_the_tickets_api_answers_400_naming_the_phone_and_stores_a_good_one_cleaned(
        community, registry, api_client):
    api_client.force_authenticate(community.center_staff)
    ticket = {"channel": "hotline", "category": category().pk, "title": "电梯停运",
              "description": "2单元电梯停了", "dwelling": registry.dwelling_a.pk}
    response = api_client.post("/api/v1/tickets/", {**ticket, "reporter_phone": "65123456"})
    assert response.status_code == 400
    assert response.json() == {"reporter_phone": [zh_error()]}
    assert not Ticket.objects.exists()
    response = api_client.post("/api/v1/tickets/",
                               {**ticket, "reporter_phone": "+86 137 0000 1111"})
    assert response.status_code == 201, response.json()
    assert Ticket.objects.get().reporter_phone == "13700001111"


@pytest.mark.django_db
def test_the_residents_api_answers_400_naming_the_phone_and_stores_a_good_one_cleaned(
        community, registry, api_client):
    api_client.force_authenticate(community.worker_a)
    resident = {"household": registry.household_a.pk, "relation": "spouse", "name": "陈秀英"}
    response = api_client.post("/api/v1/residents/", {
        **resident, "id_number": valid_id(male=False), "phone": "12345"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": [zh_error()]}
    assert not Resident.objects.filter(name="陈秀英").exists()
    response = api_client.post("/api/v1/residents/", {
        **resident, "id_number": valid_id(male=False), "phone": "(0871) 6512-3456"},
        format="json")
    assert response.status_code == 201, response.json()
    assert Resident.objects.get(name="陈秀英").phone == "0871-65123456"
