"""`python -m yamlparity`."""

from yamlparity.cli import main

raise SystemExit(main())
