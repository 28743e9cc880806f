import sys

from keycomposer.cli import main

sys.exit(main())
