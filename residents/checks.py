from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def personal_data_keys_are_configured(app_configs, **kwargs):
    """In production the keys that protect ID numbers must come from the environment: keys
    generated under var/ would be lost with the container, and the data with them."""
    if settings.DEBUG or settings.PII_KEYS_FROM_ENVIRONMENT:
        return []
    return [Error(
        "PII_ENCRYPTION_KEYS and PII_HASH_KEY are not set in the environment.",
        hint="Generate them once (see README: Personal data keys) and keep them with the "
             "database backups; losing them makes every ID number unreadable.",
        id="residents.E001",
    )]
