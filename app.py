"""`python app.py [--host H] [--port P] [--auth user:pass]`: the draftkit UI on the sample index."""

import sys

from draftkit.cli import app

if __name__ == "__main__":
    app(["ui", *sys.argv[1:]])
