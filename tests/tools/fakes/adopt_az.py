"""A fake `az` for tests/tools/test_adopt_tenant.py: it answers exact command lines and fails
loudly on any other, so a test that passes proves the command lines tools.adopt runs.

FAKE_AZ_ANSWERS names a JSON file that maps a command line (the arguments after `az`, joined
by single spaces) to its answer: ``{"exit": 0, "stdout": <a file to print, or null>,
"stderr": "..."}``. Every call is appended to FAKE_AZ_LOG, one line a call. A command line
with no answer prints "fake az: no answer for: az ..." on stderr and exits 97.
"""

import json
import os
import sys
from pathlib import Path

line = " ".join(sys.argv[1:])
with Path(os.environ["FAKE_AZ_LOG"]).open("a", encoding="utf-8") as log:
    log.write(line + "\n")
answers = json.loads(Path(os.environ["FAKE_AZ_ANSWERS"]).read_text(encoding="utf-8"))
answer = answers.get(line)
if answer is None:
    sys.stderr.write(f"fake az: no answer for: az {line}\n")
    sys.exit(97)
if answer.get("stdout"):
    sys.stdout.write(Path(answer["stdout"]).read_text(encoding="utf-8"))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("exit", 0))
