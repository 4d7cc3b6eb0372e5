"""The healthcare-clients component package's provider, started by the Pulumi engine.

The component is the stack program's own, in the repository's ``components`` package one
folder up, which is put on the import path here (the language host runs this folder as
``python <folder>``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.package import serve

serve()
