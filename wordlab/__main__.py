import sys

from wordlab.cli import main

sys.exit(main())
