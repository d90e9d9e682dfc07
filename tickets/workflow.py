"""The one table of ticket transitions: from which statuses an action may run, where it leads,
and who may run it. `services.ticket_transition` is the only code that applies it."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .models import Status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Who may run an action:
#   owner      - people working at the owning node or above it (head, worker, center staff,
#                property staff), or the liaisons of the department it was whistled to;
#   supervisor - heads and center staff strictly above the owning node (the dispatcher);
#   anyone     - anyone who can see the ticket (comments);
#   system     - the deadline sweep only;
#   resident   - the resident holding the tracking link (no login: no actor).
OWNER, SUPERVISOR, ANYONE, SYSTEM = "owner", "supervisor", "anyone", "system"
RESIDENT = "resident"

WORKING = (Status.ACCEPTED, Status.IN_PROGRESS)
LIVE = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD, Status.RETURNED)
OPEN = (*LIVE, Status.RESOLVED, Status.REPLIED, Status.FOLLOW_UP)


@dataclass(frozen=True)
class Transition:
    label: "StrOrPromise"
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change
    who: str
    needs_note: bool = False
    public: bool = False  # its note is shown to the resident on the tracking page


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(_("Accept"), (Status.NEW,), Status.ACCEPTED, OWNER),
    "start": Transition(_("Start work"), (Status.ACCEPTED,), Status.IN_PROGRESS, OWNER),
    "contact": Transition(_("Record first contact"), WORKING, None, OWNER, needs_note=True),
    "progress": Transition(_("Add progress"), (Status.IN_PROGRESS,), None, OWNER,
                           needs_note=True),
    "hold": Transition(_("Put on hold (waiting for the resident)"), WORKING, Status.ON_HOLD,
                       OWNER, needs_note=True),
    "resume": Transition(_("Resume"), (Status.ON_HOLD,), Status.IN_PROGRESS, OWNER),
    "resolve": Transition(_("Resolve"), WORKING, Status.RESOLVED, OWNER, needs_note=True,
                          public=True),
    "reply": Transition(_("Reply to the resident"), (Status.RESOLVED,), Status.REPLIED, OWNER,
                        needs_note=True, public=True),
    "follow_up": Transition(_("Record the follow-up call"), (Status.REPLIED, Status.FOLLOW_UP),
                            None, OWNER, needs_note=True),
    "close_unevaluated": Transition(_("Close without evaluation"),
                                    (Status.REPLIED, Status.FOLLOW_UP), Status.CLOSED, SYSTEM),
    "return": Transition(_("Return as not ours"), (Status.NEW, Status.ACCEPTED),
                         Status.RETURNED, OWNER, needs_note=True),
    "uphold_return": Transition(_("Uphold the return and re-route"), (Status.RETURNED,),
                                Status.NEW, SUPERVISOR),
    "reject_return": Transition(_("Reject the return"), (Status.RETURNED,), Status.NEW,
                                SUPERVISOR, needs_note=True),
    "request_extension": Transition(_("Request an extension"), WORKING, None, OWNER,
                                    needs_note=True),
    "approve_extension": Transition(_("Approve the extension"), WORKING, None, SUPERVISOR),
    "refuse_extension": Transition(_("Refuse the extension"), WORKING, None, SUPERVISOR,
                                   needs_note=True),
    # Up one node of the tree (上报).
    "escalate": Transition(_("Escalate"), LIVE, Status.NEW, OWNER, needs_note=True),
    # To a department at once (吹哨), where the whistle rules let the actor's level do it.
    "whistle": Transition(_("Whistle to a department"), LIVE, Status.NEW, OWNER,
                          needs_note=True),
    "auto_escalate": Transition(_("Escalate automatically"), LIVE, Status.NEW, SYSTEM),
    "assign": Transition(_("Assign to a person"), LIVE, None, OWNER),
    "chase": Transition(_("Send a chase notice"), LIVE, None, SUPERVISOR, needs_note=True),
    "merge": Transition(_("Merge into another ticket"), LIVE, Status.MERGED, OWNER),
    "reject": Transition(_("Reject"), (Status.NEW, Status.RETURNED), Status.REJECTED,
                         SUPERVISOR, needs_note=True, public=True),
    "comment": Transition(_("Internal comment"), OPEN, None, ANYONE, needs_note=True),
    "public_reply": Transition(_("Message to the resident"), OPEN, None, OWNER, needs_note=True,
                               public=True),
}

# evaluate is special: its target depends on the resident's answer.
EVALUATE = Transition(_("Record the evaluation"), (Status.REPLIED, Status.FOLLOW_UP), None,
                      OWNER)
TRANSITIONS["evaluate"] = EVALUATE

# rate is the resident's own evaluation on the tracking page, once, after the resolution:
# its target, like evaluate's, depends on the answer (and on the rating policy).
RATABLE = (Status.RESOLVED, Status.REPLIED, Status.FOLLOW_UP)
RATE = Transition(_("Rated by the resident"), RATABLE, None, RESIDENT, public=True)
TRANSITIONS["rate"] = RATE

RETURN_REASONS = {
    "not_our_area": _("Not in our grid"),
    "not_our_duty": _("Not our responsibility (belongs to a department)"),
    "duplicate": _("Duplicate of another ticket"),
    "insufficient": _("Not enough information to act"),
    "private_dispute": _("A private civil dispute for the courts"),
}

# The step a worker most likely takes next in each status, in order of preference; the phone
# page offers the first one the user may run as its one primary button, the rest in a menu.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    Status.NEW: ("accept",),
    Status.ACCEPTED: ("contact", "start"),
    Status.IN_PROGRESS: ("resolve",),
    Status.ON_HOLD: ("resume",),
    Status.RESOLVED: ("reply",),
    Status.REPLIED: ("evaluate",),
    Status.FOLLOW_UP: ("evaluate",),
    Status.RETURNED: ("uphold_return",),
}

# Steps that take more than the note and photos, and the fields they take.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "evaluate": ("satisfaction",),
    "return": ("reason",),
    "uphold_return": ("target",),
    "request_extension": ("until",),
    "assign": ("assignee",),
    "merge": ("into",),
    "whistle": ("department",),  # escalating goes up one node and names nothing
}


def primary_step(*, status: str, contacted: bool, allowed: list[str]) -> str | None:
    """The next step for a ticket in `status` among the `allowed` ones: first contact before
    starting work (once contact is recorded, starting work), or None when the user may take
    none of the usual next steps."""
    for name in NEXT_STEPS.get(status, ()):
        if name == "contact" and contacted:
            continue
        if name in allowed:
            return name
    return None
