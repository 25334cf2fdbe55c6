"""``python -m liqmap``."""

import sys

from liqmap.cli.app import main

sys.exit(main())
