"""Step 2 and the orchestration: plan (cases x targets), the engine that drives targets and
verdicts, calibration.

Imports everything below it, never `report` or `cli`.
"""
