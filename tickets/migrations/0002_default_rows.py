"""Default categories, departments and deadline policies (public 12345 practice); all editable
in admin afterwards."""

from django.db import migrations

CATEGORIES = [
    ("city_appearance", "市容环境", "", ""), ("construction", "违章建设", "", ""),
    ("facilities", "设施维修", "", ""), ("elevator", "电梯故障", "hub", "property_staff"),
    ("facade", "外墙脱落", "hub", "property_staff"), ("utilities", "水电气暖", "", ""),
    ("property", "物业管理", "hub", "property_staff"), ("safety", "消防安全隐患", "", ""),
    ("dispute", "矛盾纠纷", "", ""), ("assistance", "社会救助", "", ""),
    ("certificates", "证明办理", "", ""), ("wish", "微心愿", "", ""), ("other", "其他", "", ""),
]
DEPARTMENTS = [("cgj", "城管局"), ("pcs", "派出所"), ("zjj", "住建局"), ("scjg", "市场监管局"),
               ("sw", "水务局"), ("gd", "供电局"), ("xf", "消防救援站")]
# (whistle, accept hours, first-contact hours, resolve amount, unit, grace hours)
POLICIES = [
    ("emergency", 1, 2, 24, "hours", 2),
    ("key", 8, 24, 3, "working_days", 24),
    ("key_city", 8, 24, 15, "working_days", 48),
    ("routine", 24, 48, 7, "working_days", 24),
]
KINDS = ["street", "community", "hub", "grid4", "grid5"]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    Department = apps.get_model("tickets", "Department")
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    for position, (code, name, kind, role) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={
            "name": name, "route_to_kind": kind, "route_to_role": role,
            "is_wish": code == "wish", "position": position})
    for code, name in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name})
    for whistle, accept, contact, amount, unit, grace in POLICIES:
        for kind in KINDS:
            SLAPolicy.objects.get_or_create(whistle=whistle, node_kind=kind, defaults={
                "accept_hours": accept, "contact_hours": contact, "resolve_amount": amount,
                "resolve_unit": unit, "grace_hours": grace, "warn_percent": 75})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
