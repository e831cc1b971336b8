"""Figures on the campaign pages: counts grouped the way the reader's language groups
them ("1,198", "1 198"), whatever USE_THOUSAND_SEPARATOR says for the rest of the site."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    return number_format(value or 0, decimal_pos=0, use_l10n=True, force_grouping=True)
