"""`python -m locales.check`: print catalog problems per language (broken entries, plural forms
and Plural-Forms headers, missing keys, placeholder mismatches); exit 1 if there are any."""

from __future__ import annotations

import sys
from pathlib import Path

from locales.catalog import CATALOG_ROOT, Catalogs
from locales.consistency import report
from locales.languages import LANGUAGES


def main(argv: list[str] | None = None) -> int:
    """Check the catalogs under the given root (default: the package's catalogs)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else CATALOG_ROOT
    catalogs = Catalogs(root)
    lines = report(catalogs)
    for line in lines:
        print(line)
    loaded = catalogs.load()
    counts = ", ".join(f"{lang} {len(loaded[lang].domains)}" for lang in LANGUAGES)
    plurals = len(loaded["en"].plurals)
    status = f"{len(lines)} problem(s)" if lines else "OK"
    print(f"catalogs: {counts} keys ({plurals} plural in en); {status}",
          file=sys.stderr if lines else sys.stdout)
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
