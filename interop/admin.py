from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import callbacks
from .models import ApiClient, CallbackDelivery, Jurisdiction, Open311Submission

# The library's own key model is not used: every key belongs to an ApiClient.
admin.site.unregister(APIKey)


@admin.register(ApiClient)
class ApiClientAdmin(APIKeyModelAdmin):
    """Keys are made here and shown once, on saving a new client; only a hash is kept. Revoking
    a key (it cannot be undone) stops it at once; make a new client for a new key."""

    list_display = ["name", "prefix", "open311", "work_orders", "channel", "rate", "created",
                    "expiry_date", "revoked"]
    list_filter = ["revoked", "open311", "work_orders", "channel"]
    search_fields = ["name", "prefix", "contact"]
    filter_horizontal = ["jurisdictions"]
    fieldsets = [
        (None, {"fields": ["name", "prefix", "contact", "jurisdictions"]}),
        (_("What it may do"), {"fields": ["open311", "work_orders", "channel", "rate"]}),
        (_("Status call-backs"), {"fields": ["callback_url", "callback_secret"]}),
        (_("Validity"), {"fields": ["expiry_date", "revoked"]}),
    ]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save()
            return
        key = ApiClient.objects.assign_key(obj)
        obj.save()
        messages.warning(request, _(
            "The API key of %(name)s is: %(key)s . Give it to the client now: it is not kept "
            "and cannot be shown again.") % {"name": obj.name, "key": key})


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["node", "publish_requests"]
    list_select_related = ["node"]
    autocomplete_fields = ["node"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Open311Submission)
class Open311SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "key_prefix", "client", "status_code", "ticket", "device_id",
                    "remote_addr", "error"]
    list_filter = ["status_code", "client"]
    list_select_related = ["client", "ticket"]
    search_fields = ["key_prefix", "device_id", "ticket__reference"]
    date_hierarchy = "created_at"


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "link", "step", "state", "attempts", "last_status",
                    "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["state", "step"]
    list_select_related = ["link"]
    search_fields = ["link__number", "link__ticket__reference"]
    actions = ["retry_now"]

    @admin.action(description=_("Retry the given-up call-backs now"))
    def retry_now(self, request, queryset) -> None:
        count = callbacks.retry_failed(queryset)
        messages.success(request, _("%(count)d call-back(s) will be sent again now.")
                         % {"count": count})
