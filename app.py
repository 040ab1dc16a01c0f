"""Start the Bronwijzer browser UI: ``python app.py [--host H] [--port P]``."""

import sys

from bronwijzer.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
