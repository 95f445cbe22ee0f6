import sys

from redress.cli import main

sys.exit(main())
