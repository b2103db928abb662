"""``python -m headroom`` and ``python headroom.pyz`` entry point."""

import sys

from headroom.cli import main

if __name__ == "__main__":
    sys.exit(main())
