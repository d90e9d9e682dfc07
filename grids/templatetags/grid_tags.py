from django import template

from grids.people import person_name as _person_name

register = template.Library()


@register.filter
def person_name(user) -> str:
    return _person_name(user)
