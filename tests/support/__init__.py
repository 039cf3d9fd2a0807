"""Helpers shared by the test suites: where the test data lives, and running the real CLI."""
