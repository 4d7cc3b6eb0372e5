"""``python -m tools.lint_workflows``: see ``tools.lint_workflows.cli``."""

import sys

from tools.lint_workflows.cli import main

sys.exit(main())
