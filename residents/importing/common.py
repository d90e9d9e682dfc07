"""Columns, labels and the report shared by the import modules."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import idnumbers
from ..models import (
    DwellingUse,
    Relation,
    ResidenceType,
)

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 1000

# Column headers (data in Chinese, not translatable text), in the template's order.
GRID_CODE, ESTATE, BUILDING, FLOORS, ENTRANCE, FLOOR, NUMBER, USE = (
    "网格编码", "小区", "楼栋", "楼层数", "单元", "楼层", "门牌号", "房屋用途")
HOUSEHOLD, NAME, ID_NUMBER, RELATION, PHONE, RESIDENCE_TYPE = (
    "户号", "姓名", "身份证号", "与户主关系", "联系电话", "人口类型")
REGISTRATION_PLACE, MOVED_IN_ON, PARTY_MEMBER = ("户籍地", "迁入日期", "党员")
COLUMNS = (GRID_CODE, ESTATE, BUILDING, FLOORS, ENTRANCE, FLOOR, NUMBER, USE, HOUSEHOLD, NAME,
           ID_NUMBER, RELATION, PHONE, RESIDENCE_TYPE, REGISTRATION_PLACE, MOVED_IN_ON,
           PARTY_MEMBER)
REQUIRED_COLUMNS = (ESTATE, BUILDING, FLOOR, NUMBER, NAME, ID_NUMBER, RELATION)

USE_LABELS = {"住宅": DwellingUse.RESIDENTIAL, "出租": DwellingUse.RENTAL,
              "单位办公": DwellingUse.OFFICE, "行业场所": DwellingUse.BUSINESS,
              "空置": DwellingUse.VACANT}
RELATION_LABELS = {"户主": Relation.HEAD, "配偶": Relation.SPOUSE, "子女": Relation.CHILD,
                   "父母": Relation.PARENT, "祖父母": Relation.GRANDPARENT,
                   "孙子女": Relation.GRANDCHILD, "兄弟姐妹": Relation.SIBLING,
                   "儿媳女婿": Relation.CHILD_IN_LAW, "租户": Relation.TENANT,
                   "其他": Relation.OTHER}
RESIDENCE_TYPE_LABELS = {"户籍人口": ResidenceType.REGISTERED,
                         "常住非户籍": ResidenceType.PERMANENT,
                         "流动人口": ResidenceType.FLOATING}
YES_NO_LABELS = {"是": True, "否": False}

_DATE = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"|([0-9]{4})([0-9]{2})([0-9]{2})")
_ID18 = re.compile(r"[1-9][0-9]{16}[0-9X]")  # ASCII digits only (\d takes any script's)
_ZERO_WEIGHT = ord("0") * sum(idnumbers.WEIGHTS)  # the digits' character codes less their values
_MASK64 = (1 << 64) - 1
_YIELD_EVERY = 8  # rows between two chances for the database thread to take the GIL back


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class RowError:
    row_number: int  # as the spreadsheet shows it: the header is row 1 (0: the file itself)
    column: str  # the column header, or "" for the whole row or file
    message: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    buildings: int = 0
    dwellings: int = 0
    households: int = 0
    residents: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    history_written: bool = False  # bulk rows get no simple-history records

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, row_number: int, column: str, message: Any) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row_number, column, str(message)))

    def forget_counts(self) -> None:
        self.buildings = self.dwellings = self.households = self.residents = 0


def template_rows() -> Iterable[tuple]:
    """The header and one example row, for the downloadable template."""
    example_id = "53010219800101" + "001"
    example_id += idnumbers.check_char(example_id)
    yield COLUMNS
    yield ("G5A", "枫丹白鹭", "1栋", 18, 1, 5, "501", "住宅", "1", "张三", example_id, "户主",
           "13800001111", "户籍人口", "云南省昆明市", "2020-05-01", "否")
