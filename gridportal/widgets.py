"""Widgets drawn in Python where Django's templates would cost one render for each choice."""

from django import forms
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString


def _attributes(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them: in order, True bare, False left out."""
    return "".join(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
                   for name, value in attrs.items() if value is not False)


class PlainSelect(forms.Select):
    """A <select> with the markup of Django's, its options written in Python: a filter form
    lists every node or building of the user's area, and Django's templates render each option
    (and its attributes) as templates of their own."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"],
                             SafeString(_attributes(widget["attrs"])))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('\n  <option value="{}"{}>{}</option>\n',
                                         str(option["value"]),
                                         SafeString(_attributes(option["attrs"])),
                                         option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))
