"""Keeping webhook tokens out of the logs.

A campaign's webhook URLs carry its secret token in the path (campaigns.callback_urls);
anyone who reads an access log line with it could post reports for the campaign. The
filter rewrites the message of each record it sees with the token segment replaced by
"…": Django's request and runserver loggers use it (settings.LOGGING), and so does
gunicorn's access and error log (gunicorn.conf.py).
"""

import logging
import re

from campaigns.callback_urls import WEBHOOK_PREFIX

# <prefix>campaigns/<key>/<token>/…: the token is the segment after the key.
_TOKEN_IN_PATH = re.compile(rf"({re.escape(WEBHOOK_PREFIX)}campaigns/[^/\s]+/)[^/\s?#\"]+")
REDACTED = "…"


def redact_webhook_tokens(text: str) -> str:
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactWebhookTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_webhook_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
