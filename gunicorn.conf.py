"""Gunicorn's settings: it reads ./gunicorn.conf.py by default, so `gunicorn
dialer_site.wsgi` started from this directory uses them (README, "Production")."""

import sys
from pathlib import Path

from gunicorn.glogging import Logger

# Gunicorn reads this file before it puts the project on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dialer_site.logging import RedactWebhookTokens  # noqa: E402


class RedactingLogger(Logger):
    """Gunicorn's logger, with webhook tokens cut out of access and error lines."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            # setup runs again on a reload (SIGHUP): one filter per logger is enough.
            if not any(isinstance(f, RedactWebhookTokens) for f in log.filters):
                log.addFilter(RedactWebhookTokens())


logger_class = RedactingLogger
