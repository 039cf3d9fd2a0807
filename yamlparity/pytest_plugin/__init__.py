"""pytest front end: spec files collected as tests, one pytest item per case.

A front end beside `cli/` (it may import any package; nothing imports it). pytest is imported
in this package only, so the CLI never needs it: `pip install 'yamlparity[pytest]'` brings it.
Registered through the `pytest11` entry point (`yamlparity`, the hooks in `plugin.py`); see
docs/pytest.md.
"""
