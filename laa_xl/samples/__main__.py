"""`python -m laa_xl.samples OUTPUT_FOLDER`: write the sample region."""

import sys

from . import main

sys.exit(main())
