"""A city app with its Open311 key in the test community (tests/conftest.py), the community's
boundaries drawn, and two public services."""

from types import SimpleNamespace

import pytest

from interop.models import ApiClient
from tests.grids.factories import draw_boundaries
from tests.tickets.factories import category, department

IN_G5A = {"lat": "25.005", "long": "102.705"}
IN_OTHER = {"lat": "25.01", "long": "102.74"}  # 六合社区, another community of the street


def new_client(*roots, name="示范城市App", **fields):
    client, key = ApiClient.objects.create_key(name=name, **fields)
    client.jurisdictions.add(*roots)
    return client, key


@pytest.fixture
def city(community, registry, fresh_rate_limits):
    draw_boundaries(community)
    lights = category("lights", name="路灯照明")
    lights.departments.add(department())
    wish = category("wish", name="微心愿", is_wish=True)
    internal = category("staff-only", name="内部事项", internal=True)
    app, key = new_client(community.community, rate="1000/hour")
    return SimpleNamespace(community=community, registry=registry, lights=lights, wish=wish,
                           internal=internal, app=app, key=key, code=community.community.code)


def post_data(city, **changes) -> dict:
    data = {"api_key": city.key, "jurisdiction_id": city.code, "service_code": "lights",
            "description": "路灯不亮\n3号路灯从昨晚起不亮", **IN_G5A, "device_id": "phone-1",
            "first_name": "建华", "last_name": "李", "phone": "138 0000 1111",
            "email": "li@example.com", "account_id": "u-42"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


SECRETS = ("李建华", "13800001111", "li@example.com", "501室", "内部备注", "第二行不公开")


def seed_published(city) -> "object":
    """A ticket from the city app with everything a GET must never show (the reporter, the
    phone, the e-mail, a dwelling, an internal note, the full description), a public
    resolution note and a public photo."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tickets.factories import make_ticket
    from tickets import services
    from tickets.models import Channel

    community, registry = city.community, city.registry
    ticket = make_ticket(channel=Channel.OPEN311, category=city.lights, title="路灯不亮",
                         description="路灯不亮\n第二行不公开", dwelling=registry.dwelling_a,
                         address="枫丹白鹭1栋501室", reporter_name="李建华",
                         reporter_phone="13800001111",
                         intake={"open311": {"email": "li@example.com"}})
    worker = community.worker_a
    services.ticket_transition(ticket=ticket, actor=worker, action="accept")
    services.ticket_transition(ticket=ticket, actor=worker, action="comment",
                               note="内部备注：住户家中有老人")
    services.ticket_transition(ticket=ticket, actor=worker, action="resolve",
                               note="已更换灯泡")
    services.ticket_photo_add(ticket=ticket, actor=worker, public=True, photo=SimpleUploadedFile(
        "fixed.png", _png(), content_type="image/png"))
    ticket.refresh_from_db()
    return ticket


def _png() -> bytes:
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(data, "PNG")
    return data.getvalue()
