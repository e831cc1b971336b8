"""The API's default pagination: limit/offset with a largest page."""

from rest_framework.pagination import LimitOffsetPagination

# A larger ?limit= is served as this many rows: a page stays cheap to build, and an
# enormous number never reaches the database (SQLite refuses a LIMIT past 64 bits).
MAX_PAGE_SIZE = 500


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_PAGE_SIZE
