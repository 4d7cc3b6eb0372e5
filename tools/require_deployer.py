"""Stop a pipeline whose stack does not name its deploying identity.

    .venv/bin/python -m tools.require_deployer --stack prod

Without ``healthcare-clients:deployerObjectId`` the program takes whoever runs it as the owner
of every service principal, so a preview run as the read-only preview identity shows each
service principal's owners changing, and an ``up`` by hand makes a person their owner
(docs/configuration.md, "healthcare-clients:deployerObjectId"). On a laptop that default is convenient; in a
pipeline, where two identities run the same stack, it is never what anyone wants. The
workflows run this before they start the CLI. It reads the stack file only.

Exit codes: 0 set, 1 missing or not an object ID, 2 the stack file cannot be read.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from components.healthcare import is_guid
from testbed.mockrun import PROJECT_DIR
from testbed.stackfile import SECRET_PLACEHOLDER, StackFileError, load_stack_file

KEY = "deployerObjectId"


def problem(stack: str, project_dir: Path) -> str | None:
    """What is wrong with the stack's deployerObjectId, or None."""
    config = load_stack_file(stack, project_dir).config
    fix = (
        f"set it to the deploy identity's service principal object ID: pulumi config set "
        f"healthcare-clients:{KEY} <object ID> --stack {stack} "
        "(tools/bootstrap_pipeline_identities.sh prints the command with the ID)"
    )
    value = config.get(KEY)
    if value is None:
        return f"Pulumi.{stack}.yaml does not set healthcare-clients:{KEY}: {fix}"
    if value != SECRET_PLACEHOLDER and not is_guid(str(value)):
        return f"healthcare-clients:{KEY} in Pulumi.{stack}.yaml is not an object ID: {fix}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.require_deployer", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, metavar="DIR")
    args = parser.parse_args(argv)
    try:
        found = problem(args.stack, args.project_dir)
    except StackFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if found:
        print(f"error: {found}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
