"""Build the RAICT documents: python generate.py --help"""
import sys

from eventdocs.cli import main

sys.exit(main())
