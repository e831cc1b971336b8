"""The API's JSON parser: DRF's, after a nesting-depth check (dialer_site.jsonlimits)."""

import io

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from .jsonlimits import json_depth_exceeds, too_deep_message


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            text = body.decode(get_encoding(parser_context or {}))
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if json_depth_exceeds(text):
            raise ParseError(too_deep_message())
        return super().parse(io.BytesIO(body), media_type, parser_context)
