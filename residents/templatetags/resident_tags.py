from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from residents.models import Resident

register = template.Library()

# The badges' words, translated once per language (the registry shows them on every row).
_BADGE_TEXTS = {"party": _("Party member"), "dual": _("Dual report"), "elderly": _("Elderly"),
                "child": _("Child (under 18)"), "disabled": _("Disabled"),
                "veteran": _("Veteran"), "low_income": _("Low income"),
                "alone": _("Living alone"), "concern": _("Person of concern"),
                "floating": _("Floating")}
_translated: dict[str | None, dict[str, str]] = {}


def _words() -> dict[str, str]:
    language = translation.get_language()
    words = _translated.get(language)
    if words is None:
        words = _translated[language] = {key: str(text) for key, text in _BADGE_TEXTS.items()}
    return words


def _badge(style: str, text: str) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', style, text)


def _tag_badges(resident: Resident, words: dict[str, str]) -> list[SafeString]:
    badges = []
    if resident.party_member:
        party = words["party"] + ("·" + words["dual"] if resident.dual_report else "")
        badges.append(_badge("text-bg-danger", party))
    age = resident.age_on(timezone.localdate())
    for shown, style, key in (
        (age >= settings.ELDERLY_AGE, "text-bg-warning", "elderly"),
        (age < settings.CHILD_AGE, "text-bg-info", "child"),
        (resident.disabled, "text-bg-secondary", "disabled"),
        (resident.veteran, "text-bg-success", "veteran"),
        (resident.low_income, "text-bg-secondary", "low_income"),
        (resident.living_alone, "text-bg-secondary", "alone"),
    ):
        if shown:
            badges.append(_badge(style, words[key]))
    return badges


@register.simple_tag
def resident_badges(resident: Resident, tags_ok: bool, concern_ok: bool) -> SafeString:
    """A resident's tags (when the viewer may see them), the concern flag (likewise) and
    whether they are floating, as badges."""
    words = _words()
    badges = _tag_badges(resident, words) if tags_ok else []
    if resident.concern and concern_ok:
        badges.append(_badge("text-bg-dark", words["concern"]))
    if resident.residence_type == "floating":
        badges.append(_badge("text-bg-light border", words["floating"]))
    return format_html('<span class="d-inline-flex flex-wrap gap-1">{}</span>',
                       SafeString("".join(badges)))
