from tickets import services
from tickets.models import Category, Channel, Department


def category(code="facilities", **fields):
    fields.setdefault("name", {"facilities": "设施维修", "elevator": "电梯故障"}.get(code, code))
    return Category.objects.get_or_create(code=code, defaults=fields)[0]


def department(code="cgj", name="城管局"):
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def make_ticket(actor=None, **fields):
    fields.setdefault("channel", Channel.HOTLINE)
    fields.setdefault("category", category())
    fields.setdefault("title", "楼道灯不亮")
    fields.setdefault("description", "3单元楼道灯坏了一周")
    return services.ticket_create(actor=actor, **fields)
