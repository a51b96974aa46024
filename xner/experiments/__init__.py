"""Experiment grids, one module per concern: `spec` (the YAML → cells), `run` (running
cells, resumably), `summary` (the CSV and each cell's state), `gridstore` (where cells
are kept and published whole) and `executors` (local, or Ray tasks).

Nothing is re-exported here, so importing one of them never loads the others' needs.
"""
