"""`python -m pycustoms`."""

import sys

from pycustoms.cli import main

sys.exit(main())
