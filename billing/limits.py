"""The largest numbers the desk takes from an admin: what its columns hold and the domain needs."""

from __future__ import annotations

from decimal import Decimal

# Fees, prices, thresholds and license fees of one month, in the organization's currency. The
# columns hold integer cents in BIGINT; a billion keeps every product of an amount with a count
# (a month's overflow charge) far inside that range, and is far above any real plan or fee.
MAX_AMOUNT = Decimal("999999999.99")

# Free escalations per calendar month (INTEGER column). Growth has 2 and Premium 5; ten thousand
# already means "no limit" in practice.
MAX_FREE_ESCALATIONS = 10_000

# Support queue priority of a plan (INTEGER column; higher is served first). Growth is 0 and
# Premium 1; a hundred levels leave room for any catalogue.
MAX_QUEUE_PRIORITY = 100
