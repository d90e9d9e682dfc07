"""Import of 12345 hotline work orders (接诉即办 / 数字城管 exports) from csv or xlsx.

Each row is one work order with its external number. The whole file is validated first; if any
row is wrong nothing is written and every bad row is reported. Re-importing a file updates the
tickets it created (matched on channel and external number) and never duplicates them.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import GridNode
from grids.phones import clean_phone
from grids.selectors import visible_nodes

from . import services
from .models import Category, Channel, EventKind, Ticket, TicketEvent, Whistle

HEADERS = {
    "工单编号": "external_number", "渠道": "channel", "紧急程度": "whistle",
    "诉求类别": "category", "标题": "title", "诉求内容": "description", "来电人": "reporter_name",
    "联系电话": "reporter_phone", "发生地址": "address", "网格编码": "grid",
}
REQUIRED = ("工单编号", "诉求内容", "网格编码")
CHANNELS = {"": Channel.HOTLINE, "12345": Channel.HOTLINE, "12345热线": Channel.HOTLINE,
            "接诉即办": Channel.JIESU_JIBAN, "数字城管": Channel.CITY_MANAGEMENT,
            "来电": Channel.PHONE_CALL}
WHISTLES = {"": Whistle.ROUTINE, "常规": Whistle.ROUTINE, "一般": Whistle.ROUTINE,
            "重点": Whistle.KEY, "市级重点": Whistle.KEY_CITY, "应急": Whistle.EMERGENCY,
            "紧急": Whistle.EMERGENCY}
UPDATABLE = ("title", "description", "reporter_name", "reporter_phone", "address", "category")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class WorkOrderReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(file: IO[bytes], filename: str) -> list[dict[str, str]]:
    """The rows as dicts keyed by header; raises ValidationError for an unreadable file."""
    data = file.read()
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as error:  # noqa: BLE001 - any parse failure is the same answer
            raise ValidationError(_("This file cannot be read as an .xlsx workbook.")) from error
        values = [["" if cell is None else str(cell).strip() for cell in row]
                  for row in sheet.iter_rows(values_only=True)]
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("This file is not text in UTF-8 or GB18030."))
        values = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    if not values:
        raise ValidationError(_("This file has no header row."))
    header = values[0]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(_("Missing columns: %(names)s.") % {"names": "、".join(missing)})
    return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]


def _parse(row: dict[str, str], number: int, nodes: dict[str, GridNode],
           categories: dict[str, Category], errors: list[RowError]) -> dict[str, Any] | None:
    def bad(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    value = {field_name: row.get(header, "").strip() for header, field_name in HEADERS.items()}
    before = len(errors)
    for header, name in (("工单编号", "external_number"), ("诉求内容", "description")):
        if not value[name]:
            bad(header, _("This cell is required."))
    node = nodes.get(value["grid"])
    if node is None:
        bad("网格编码", _("Unknown grid code, or a grid outside your area."))
    for header, name, choices in (("渠道", "channel", CHANNELS), ("紧急程度", "whistle", WHISTLES)):
        if value[name] not in choices:
            bad(header, _("Use one of: %(choices)s.") % {
                "choices": "、".join(choice for choice in choices if choice)})
    category = categories.get(value["category"] or "其他")
    if category is None:
        bad("诉求类别", _("Unknown category."))
    value["reporter_phone"] = _checked_phone(value["reporter_phone"], bad)
    if len(errors) > before:
        return None
    return {
        "external_number": value["external_number"], "channel": CHANNELS[value["channel"]],
        "whistle": WHISTLES[value["whistle"]], "category": category,
        "title": (value["title"] or value["description"])[:120],
        "description": value["description"], "reporter_name": value["reporter_name"][:50],
        "reporter_phone": value["reporter_phone"], "address": value["address"][:200],
        "node": node,
    }


def _checked_phone(phone: str, bad) -> str:
    """The number by the one rule of every import (grids.phones), normalised."""
    try:
        return clean_phone(phone)
    except ValidationError as error:
        bad("联系电话", error.messages[0])
        return phone


def import_work_orders(*, actor: User, file: IO[bytes], filename: str,
                       dry_run: bool) -> WorkOrderReport:
    report = WorkOrderReport()
    try:
        rows = read_rows(file, filename)
    except ValidationError as error:
        report.errors.append(RowError(1, "", error.messages[0]))
        return report
    nodes = {node.code: node for node in
             visible_nodes(actor, "tickets.import_work_orders").filter(active=True)}
    categories = {c.name: c for c in Category.objects.filter(active=True)}
    parsed: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):
        order = _parse(row, number, nodes, categories, report.errors)
        if order is None:
            continue
        key = (order["channel"], order["external_number"])
        if key in seen:
            report.errors.append(RowError(number, "工单编号",
                                          _("This work order appears twice in the file.")))
            continue
        seen.add(key)
        parsed.append(order)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        for order in parsed:
            _apply(actor, order, report)
    return report


def _apply(actor: User, order: dict[str, Any], report: WorkOrderReport) -> None:
    existing = Ticket.objects.select_for_update().filter(
        channel=order["channel"], external_number=order["external_number"]).first()
    if existing is None:
        services.ticket_create(actor=actor, **order)
        report.created += 1
        return
    changes = {name: order[name] for name in UPDATABLE if getattr(existing, name) != order[name]}
    if not changes:
        report.unchanged += 1
        return
    for name, value in changes.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*changes, "updated_at"])
    TicketEvent.objects.create(ticket=existing, kind=EventKind.PROGRESS, action="reimport",
                               actor=actor, note=_("Updated from a 12345 work-order import."),
                               data={"fields": sorted(changes)})
    report.updated += 1
