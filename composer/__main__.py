"""`python -m composer` = the `composer` command."""
import sys

from composer.cli import main

sys.exit(main())
