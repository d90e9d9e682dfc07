from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape, format_html
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


@dataclass(frozen=True)
class RegistryRows:
    """The registry's rows in its two layouts: table rows (wide screens) and cards (phones)."""

    table: SafeString
    cards: SafeString


def _homes(resident: Resident, registry_url: str) -> tuple[str, str]:
    """The resident's current home as the table's links and as the card's plain text."""
    homes = [(membership.household_id, escape(membership.household.dwelling))
             for membership in resident.current_memberships]
    if not homes:
        return "—", ""
    links = "".join(f'<a href="{registry_url}households/{household}/">{label}</a>'
                    for household, label in homes)
    return links, "".join(label for _household, label in homes)


@register.simple_tag
def registry_rows(residents, registry_url: str, years: str) -> RegistryRows:
    """Each resident of the page drawn once for both layouts (their badges, age and home worked
    out once), the markup written here rather than by the template engine for every cell of
    every row. `residents` come from `selectors.registry_rows`; `years` is the age's unit
    ("岁")."""
    registry_url, years = escape(registry_url), escape(years)
    table, cards = [], []
    for resident in residents:
        link = f"{registry_url}{resident.pk}/"
        name, age = escape(resident.name), resident.age
        masked = escape(resident.id_number_masked)
        id_cell, id_tail = (masked, f" · {masked}") if resident.can_see_id else ("—", "")
        phone = escape(resident.phone) if resident.can_see_phone else "—"
        badges = resident_badges(resident, resident.can_see_tags, resident.can_see_concern)
        home_links, home_text = _homes(resident, registry_url)
        table.append(
            f'\n  <tr>\n    <td><a href="{link}">{name}</a></td>'
            f'\n    <td class="font-monospace small">{id_cell}</td>'
            f"\n    <td>{age}</td>\n    <td>{phone}</td>"
            f'\n    <td class="small">{home_links}</td>'
            f'\n    <td class="small">{escape(resident.node.name)}</td>'
            f"\n    <td>{badges}</td>\n  </tr>")
        cards.append(
            f'\n  <a class="list-group-item list-group-item-action py-3" href="{link}">'
            f'\n    <div class="d-flex justify-content-between"><span class="fw-semibold">'
            f'{name}</span><span class="small text-body-secondary">{age}{years}</span></div>'
            f'\n    <div class="small text-body-secondary">{home_text}'
            f"{id_tail}</div>\n    {badges}\n  </a>")
    return RegistryRows(table=SafeString("".join(table)), cards=SafeString("".join(cards)))
