"""The live preview: python generate.py serve YEAR (server.py), its builds (preview.py) and jobs (jobs.py)."""
