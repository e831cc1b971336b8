"""OpenAPI pieces the API shares: the error answers, documented on every operation
that can give them, with their bodies."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})

IN_USE = OpenApiResponse(
    DETAIL, description=_("Other records still use it (the body says which); nothing changed.")
)

# DRF's validation errors: messages by field ({"name": ["…"]}, nested for nested
# fields), a list of messages, or a detail (a body that is not JSON).
VALIDATION_ERRORS = OpenApiResponse(
    {
        "oneOf": [
            {"type": "object", "additionalProperties": {}},
            {"type": "array", "items": {"type": "string"}},
        ]
    },
    description=_("The input was refused; the body says why, by field where it can."),
)


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file to upload: binary in the OpenAPI document. (drf-spectacular shows a plain
    FileField as the URL it reads back as, since one component serves both ways.)"""


# Query parameters of the default pagination: they never make a request invalid.
PAGINATION_PARAMETERS = {"limit", "offset"}
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the errors every operation can answer."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self.error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {
            "401": OpenApiResponse(DETAIL, description=_("No credentials, or wrong ones.")),
            "403": OpenApiResponse(DETAIL, description=_("The user's role may not do this.")),
        }
        if "{" in self.path:
            errors["404"] = OpenApiResponse(DETAIL, description=_("No such object."))
        if self.method in WRITE_METHODS:
            errors["400"] = VALIDATION_ERRORS
            errors["415"] = OpenApiResponse(
                DETAIL, description=_("The body is in a media type this operation does not read.")
            )
        elif any(
            parameter["name"] not in PAGINATION_PARAMETERS
            for parameter in self._get_parameters()
            if parameter["in"] == "query"
        ):
            errors["400"] = VALIDATION_ERRORS
        return errors

    def _get_paginator(self):
        # Only a GET list is paginated; a POST answering with a list (the numbers
        # added to the do-not-call list) answers with the bare list.
        return super()._get_paginator() if self.method == "GET" else None
