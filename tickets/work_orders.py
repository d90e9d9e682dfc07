"""Import of 12345 hotline work orders (接诉即办 / 数字城管 exports) from csv or xlsx.

Each row is one work order with its external number. The whole file is validated first; if any
row is wrong nothing is written and every bad row is reported. Re-importing a file updates the
tickets it created (matched on channel and external number) and never duplicates them.
"""

import csv
import io
from collections.abc import Mapping
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


# Each field's column in the spreadsheet, for naming a file's cell.
COLUMNS = {field_name: header for header, field_name in HEADERS.items()}


def channel_of(word: str, default: str = Channel.HOTLINE) -> str | None:
    """The channel a spreadsheet word or a channel code names (empty: `default`), or None."""
    if not word:
        return default
    if word in CHANNELS:
        return CHANNELS[word]
    return word if word in set(CHANNELS.values()) else None


def whistle_of(word: str) -> str | None:
    """The whistle a spreadsheet word or a whistle code names (empty: routine), or None."""
    if word in WHISTLES:
        return WHISTLES[word]
    return word if word in Whistle.values else None


def category_index() -> dict[str, Category]:
    """The active categories by name and by code (what a work order may name)."""
    index: dict[str, Category] = {}
    for category in Category.objects.filter(active=True):
        index[category.code] = category
        index[category.name] = category
    return index


def validate_work_order(value: Mapping[str, str], *, nodes: Mapping[str, GridNode],
                        categories: Mapping[str, Category], default_channel: str = Channel.HOTLINE
                        ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """One work order (its fields under their English names: HEADERS' values) checked: the
    order ready for `apply_work_order`, or None and a message for each wrong field.

    `nodes` are the grids it may name, by code; `categories` the categories by name or code
    (category_index). Channel and whistle take the spreadsheet's words or the codes."""
    value = {name: str(value.get(name) or "").strip() for name in HEADERS.values()}
    errors: dict[str, str] = {}
    for name in ("external_number", "description"):
        if not value[name]:
            errors[name] = _("This field is required.")
    if len(value["external_number"]) > 40:
        errors["external_number"] = _("Keep the work-order number to 40 characters.")
    node = nodes.get(value["grid"])
    if node is None:
        errors["grid"] = _("Unknown grid code, or a grid outside your area.")
    channel = channel_of(value["channel"], default_channel)
    if channel is None:
        errors["channel"] = _("Use one of: %(choices)s.") % {
            "choices": "、".join(choice for choice in CHANNELS if choice)}
    whistle = whistle_of(value["whistle"])
    if whistle is None:
        errors["whistle"] = _("Use one of: %(choices)s.") % {
            "choices": "、".join(choice for choice in WHISTLES if choice)}
    category = categories.get(value["category"] or "其他")
    if category is None:
        errors["category"] = _("Unknown category.")
    try:
        phone = clean_phone(value["reporter_phone"])
    except ValidationError as error:
        errors["reporter_phone"] = error.messages[0]
    if errors:
        return None, errors
    return {
        "external_number": value["external_number"], "channel": channel,
        "whistle": whistle, "category": category,
        "title": (value["title"] or value["description"])[:120],
        "description": value["description"], "reporter_name": value["reporter_name"][:50],
        "reporter_phone": phone, "address": value["address"][:200],
        "node": node,
    }, {}


def _parse(row: dict[str, str], number: int, nodes: Mapping[str, GridNode],
           categories: Mapping[str, Category], errors: list[RowError]) -> dict[str, Any] | None:
    value = {field_name: row.get(header, "") for header, field_name in HEADERS.items()}
    order, problems = validate_work_order(value, nodes=nodes, categories=categories)
    errors.extend(RowError(number, COLUMNS[name], message) for name, message in problems.items())
    return order


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
    categories = category_index()
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
    _ticket, outcome = apply_work_order(actor=actor, order=order, ticket=existing)
    setattr(report, outcome, getattr(report, outcome) + 1)


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@transaction.atomic
def apply_work_order(*, actor: User | None, order: dict[str, Any], ticket: Ticket | None
                     ) -> tuple[Ticket, str]:
    """A checked work order (validate_work_order) made a ticket, or, given the ticket it made
    before (locked by the caller), that ticket with the changed fields updated as a re-import
    does. Returns the ticket and "created", "updated" or "unchanged"."""
    if ticket is None:
        return services.ticket_create(actor=actor, **order), CREATED
    changes = {name: order[name] for name in UPDATABLE if getattr(ticket, name) != order[name]}
    if not changes:
        return ticket, UNCHANGED
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*changes, "updated_at"])
    TicketEvent.objects.create(ticket=ticket, kind=EventKind.PROGRESS, action="reimport",
                               actor=actor, note=_("Updated from a 12345 work-order import."),
                               data={"fields": sorted(changes)})
    return ticket, UPDATED


# --- The template to fill in -------------------------------------------------------------------

EXAMPLE = {
    "external_number": "GD2026000001", "channel": "12345热线", "whistle": "常规",
    "category": "设施维修", "title": "路灯不亮", "description": "3栋前路灯连续三晚不亮",
    "reporter_name": "王先生", "reporter_phone": "13800002222", "address": "3栋前",
    "grid": "G5A",
}


def _column_help() -> dict[str, str]:
    return {
        "external_number": _("The hotline's work-order number (required). Importing the same "
                             "number again updates its ticket."),
        "channel": _("Empty means 12345. One of: %(words)s.") % {
            "words": "、".join(word for word in CHANNELS if word)},
        "whistle": _("Empty means routine. One of: %(words)s.") % {
            "words": "、".join(word for word in WHISTLES if word)},
        "category": _("A category's name or code; empty means 其他."),
        "title": _("Short title; empty: the start of the content."),
        "description": _("What the caller asks for (required)."),
        "reporter_name": _("The caller's name."),
        "reporter_phone": _("A mobile number or a landline with its area code."),
        "address": _("Where it happens."),
        "grid": _("The code of the grid that owns it (required), inside your area."),
    }


def template_rows(example: Mapping[str, str] | None = None) -> list[list[str]]:
    """The header row and one example row of a work-order file."""
    example = EXAMPLE if example is None else example
    return [list(HEADERS), [example[name] for name in HEADERS.values()]]


def template_csv(example: Mapping[str, str] | None = None) -> bytes:
    """The template as CSV, UTF-8 with a byte-order mark (so Excel reads the Chinese)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(template_rows(example))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(example: Mapping[str, str] | None = None) -> bytes:
    """The template as a workbook: the header row and an example on the first sheet, what
    each column takes on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "工单"
    for row in template_rows(example):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[1]:
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(cell.value) + 4)
    notes = workbook.create_sheet(_("Columns"))
    notes.append([_("Column"), _("Required"), _("What it takes")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    helps = _column_help()
    for header, name in HEADERS.items():
        notes.append([header, _("yes") if header in REQUIRED else "", str(helps[name])])
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
