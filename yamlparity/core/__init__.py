"""Plain building blocks every step may use: errors, exact JSON values and numbers, safe paths,
redaction.

Imports nothing else of yamlparity.
"""
