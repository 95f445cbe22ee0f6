"""`python -m redress.db upgrade|current`: manage the case database's schema."""

from __future__ import annotations

import argparse
import sys

from redress.db import database_url
from redress.db.migrate import current, upgrade


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m redress.db", description=__doc__)
    parser.add_argument("action", choices=["upgrade", "current"])
    parser.add_argument("--url", default=None, help="defaults to REDRESS_DATABASE_URL")
    args = parser.parse_args()
    url = args.url or database_url()
    if args.action == "upgrade":
        upgrade(url)
        print(f"database at revision {current(url)}")
    else:
        print(current(url) or "empty (no migrations applied)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
