"""Launch the Composer window (same as `composer gui`); `python main.py --version` as `composer --version`."""
import sys

from composer.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    sys.exit(main(argv if argv[:1] == ["--version"] else ["gui", *argv]))
