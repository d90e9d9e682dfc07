"""Writes with rules for the registry: `registry` (buildings, dwellings, residents, households,
visits) and `registration` (ID number checks, oracle-safe registering, transfer requests)."""

from .registration import (
    AlreadyRegistered,
    Registration,
    TooManyIdChecks,
    id_checks_left,
    id_number_change_check,
    id_number_search_check,
    resident_register,
    transfer_accept,
    transfer_refuse,
)
from .registry import (
    RESIDENT_FIELDS,
    building_create,
    building_move,
    check_building_node,
    check_dwelling_place,
    dwelling_create,
    dwelling_update,
    household_create,
    id_number_reveal,
    membership_add,
    membership_end,
    premises_create,
    resident_create,
    resident_update,
    visit_create,
)

__all__ = [
    "RESIDENT_FIELDS", "AlreadyRegistered", "Registration", "TooManyIdChecks", "building_create",
    "building_move", "check_building_node", "check_dwelling_place", "dwelling_create",
    "dwelling_update", "household_create", "id_checks_left", "id_number_change_check",
    "id_number_reveal", "id_number_search_check", "membership_add", "membership_end",
    "premises_create", "resident_create", "resident_register", "resident_update",
    "transfer_accept", "transfer_refuse", "visit_create",
]
