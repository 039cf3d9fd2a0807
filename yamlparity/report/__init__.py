"""The last step: report context, templates and the formats (markdown, HTML, JSON results, JUnit).

Reads results only: never imports `run`, `targets` or `verdict`.
"""
