"""`python -m yamlparity`."""

from yamlparity.cli.main import main

raise SystemExit(main())
