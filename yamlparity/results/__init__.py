"""Plain result data (records), per-path statistics and the rule audit; what reports and results
files are made of.

Imports `core`, `spec`, `rules`.
"""
