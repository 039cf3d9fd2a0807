"""Step 1, load and validate: a spec file becomes a checked `Spec` (includes, schema,
interpolation, secrets, cases, fixtures).

Imports only `core`.
"""
