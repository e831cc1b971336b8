"""The `id` path converter: primary keys and other whole numbers in URLs.

Django's `int` converter takes any run of digits, and a number past the database's
64-bit integers reaches the query and fails there (OverflowError, 500). Eighteen
digits always fit in a signed 64-bit integer, so a longer number matches no URL: 404.
"""

MAX_ID_DIGITS = 18
# The same rule for DRF routers' lookup_value_regex and regex routes.
ID_REGEX = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
