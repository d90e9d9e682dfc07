import logging

from celery import shared_task
from django.core.mail import mail_admins

from .integrity import find_tree_damage

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def check_tree_task() -> int:
    """Nightly: verify the grid tree and tell the admins if it is damaged. Returns the count."""
    problems = find_tree_damage()
    if problems:
        logger.error("Grid tree damaged: %s problem(s): %s", len(problems), problems[:20])
        mail_admins(
            "Grid tree damaged",
            "Run `manage.py check_tree --repair`.\n\n" + "\n".join(problems[:200]),
        )
    return len(problems)
