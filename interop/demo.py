"""The demo's outside systems: a city app speaking Open311 and the 12345 hotline, both for the
demo street, with keys derived from the demo password so that the README's example sessions
work after `make run`. Only in demo mode: elsewhere keys are issued in the admin, never seeded.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from grids.models import GridNode
from tickets.models import Channel

from .models import ApiClient

DEMO_CLIENTS = (
    # (prefix, name, Open311, work orders, channel)
    ("demo311a", "示范城市App", True, False, Channel.OPEN311),
    ("demo1234", "12345热线（示范）", False, True, Channel.HOTLINE),
)


@dataclass
class DemoClient:
    name: str
    key: str
    created: bool


def demo_key(prefix: str, password: str) -> str:
    """The demo key of `prefix`: the prefix and 32 characters drawn from the demo password."""
    return f"{prefix}.{hashlib.sha256(f'{prefix}:{password}'.encode()).hexdigest()[:32]}"


@transaction.atomic
def seed_clients(*, street_code: str = "ST") -> list[DemoClient]:
    """The demo clients (idempotent); none outside demo mode."""
    if not settings.DEMO_MODE:
        return []
    street = GridNode.objects.filter(code=street_code).first()
    seeded = []
    for prefix, name, open311, work_orders, channel in DEMO_CLIENTS:
        key = demo_key(prefix, settings.DEMO_PASSWORD)
        client = ApiClient.objects.filter(prefix=prefix).first()
        created = client is None
        if client is None:
            hashed = ApiClient.objects.key_generator.hash(key)
            client = ApiClient.objects.create(
                id=f"{prefix}.{hashed}", prefix=prefix, hashed_key=hashed, name=name,
                open311=open311, work_orders=work_orders, channel=channel,
                contact="示范数据 / demo data")
            if street is not None:
                client.jurisdictions.set([street])
        seeded.append(DemoClient(name=name, key=key, created=created))
    return seeded
