"""Settings of the fault harness: the site's own, with shorter dispatch slices and
leases so that recovery after a SIGKILL shows within seconds, not minutes."""

import os

from dialer_site.settings import *  # noqa: F403

CAMPAIGN_DISPATCH_SLICE_SECONDS = float(os.environ.get("FAULT_SLICE_SECONDS", "4"))
CAMPAIGN_DISPATCH_SLOTS = int(os.environ.get("FAULT_DISPATCH_SLOTS", "2"))
# Longer than the sandbox can take over one request under load (SQLite waits up to
# 20 s for a lock): a replay must never overtake the request it stands in for.
CAMPAIGN_LEASE_MARGIN_SECONDS = float(os.environ.get("FAULT_LEASE_MARGIN_SECONDS", "25"))
CAMPAIGN_PHONON_BATCH_SIZE = int(os.environ.get("FAULT_PHONON_BATCH_SIZE", "500"))
