"""Launch the Composer window (same as `composer gui`)."""
import sys

from composer.gui.app import run

if __name__ == "__main__":
    sys.exit(run())
