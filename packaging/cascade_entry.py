"""PyInstaller's entry script: the frozen `cascade` executable is exactly `app.cli:main`."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
