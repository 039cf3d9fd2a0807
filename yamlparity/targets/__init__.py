"""Step 3, execute: the adapters that run one case on one target (command, stream, HTTP) and the
services behind them.

Imports `core` and `spec`.
"""
