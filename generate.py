"""Build the RAICT documents: python generate.py --help"""
import sys

from eventdocs.cli import main

if __name__ == "__main__":  # worker processes of the mail merge import this file too
    sys.exit(main())
