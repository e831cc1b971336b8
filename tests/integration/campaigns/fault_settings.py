"""Settings of the fault harness: the site's own, with shorter dispatch slices and
leases so that recovery after a SIGKILL shows within seconds, not minutes."""

import os

from dialer_site.settings import *  # noqa: F403

CAMPAIGN_DISPATCH_SLICE_SECONDS = float(os.environ.get("FAULT_SLICE_SECONDS", "4"))
CAMPAIGN_DISPATCH_SLOTS = int(os.environ.get("FAULT_DISPATCH_SLOTS", "2"))
# The product's default. A replay may overtake the request it stands in for: the
# sandbox's ledger takes a request checksum once (a unique constraint), so the later
# of the two is answered "checksum repeated" whichever arrives first.
CAMPAIGN_LEASE_MARGIN_SECONDS = float(os.environ.get("FAULT_LEASE_MARGIN_SECONDS", "10"))
CAMPAIGN_CALLS_PER_REQUEST = int(os.environ.get("FAULT_PHONON_BATCH_SIZE", "500"))
