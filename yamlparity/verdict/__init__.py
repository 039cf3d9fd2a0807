"""Steps 4-6, gate, normalize, compare: outputs of one case become a `CaseResult` with its verdict.

Imports everything below it, never `run`, `report` or `cli`.
"""
