"""The API schema's error answers (drf-spectacular's DEFAULT_SCHEMA_CLASS).

drf-spectacular documents an operation's success only; a client (and the schema fuzzer,
tests/api/test_schema_fuzz.py) must also know which errors it may get and their bodies. They
follow from how the view is built, the same for every API view, so they are added here once:

- 400 when the caller sends input: a body (POST, PUT, PATCH), a query filter or a header. The
  body names each wrong field with its messages (``{"title": ["This field is required."]}``),
  or says what is wrong with the request as a whole (``{"detail": "JSON parse error ..."}``);
- 403 when the view needs a login (DRF answers 403, not 401: session authentication comes
  first) or the caller may not do it;
- 404 when the path names an object (missing and outside the caller's scope look the same), or
  a page of a list does not exist;
- 429 when the view is rate-limited.

A view that answers anything else (409 on a conflicting ticket transition, 422 on a reused
idempotency key) says so in its own ``extend_schema(responses=...)``.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorDetailSerializer(serializers.Serializer):
    """What went wrong, in the caller's language."""

    detail = serializers.CharField()


VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages by field name (`non_field_errors` for the input as a whole; nested "
                   "input nests the same way), or `detail` when the request itself is wrong.",
    "additionalProperties": {"anyOf": [
        {"type": "string"},
        {"type": "array", "items": {}},
        {"type": "object"},
    ]},
}
DESCRIPTIONS = {
    "400": "The input is not valid: each wrong field is named with what is wrong.",
    "403": "Not logged in, or not allowed to do this.",
    "404": "No such object within the caller's scope, or no such page.",
    "429": "Too many requests: try again later.",
}
# Query parameters of the paginators: a wrong page is a 404, a wrong page size is ignored.
PAGINATION_PARAMETERS = {"page", "page_size", "cursor"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, component in self._error_answers(operation).items():
            responses.setdefault(code, {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": component.ref}},
            })
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_answers(self, operation: dict) -> dict[str, ResolvedComponent]:
        parameters = operation.get("parameters", [])
        located = {(p["in"], p["name"]) for p in parameters}
        query = {name for where, name in located if where == "query"}
        detail = self.resolve_serializer(ErrorDetailSerializer(), "response")
        answers = {}
        if (self.method in ("POST", "PUT", "PATCH") or query - PAGINATION_PARAMETERS
                or any(where == "header" for where, _name in located)):
            answers["400"] = self._component("ValidationError", VALIDATION_ERROR)
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            answers["403"] = detail
        if any(where == "path" for where, _name in located) or query & PAGINATION_PARAMETERS:
            answers["404"] = detail
        if self.view.get_throttles():
            answers["429"] = detail
        return answers

    def _component(self, name: str, schema: dict) -> ResolvedComponent:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema,
                                      object=name)
        self.registry.register_on_missing(component)
        return component
