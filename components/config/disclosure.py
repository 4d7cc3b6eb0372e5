"""What a message may show of the user's configuration.

Pulumi marks secret-ness per top-level key: one ``pulumi config set --secret --path
'healthcare-clients:applications.x.description'`` makes all of ``applications`` secret, and the
program cannot tell which leaf was meant. So under a secret top-level key nothing the user
wrote is shown: values become ``[secret]`` and map keys (application names, role names, file
names...) become ``<key N>``, N being the key's position among its siblings in alphabetical
order, which is enough to find it in the stack file. Schema keys (``redirectUris``) and list
indexes are ours, not the user's, so they stay.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from components.errors import SECRET, shown


@dataclass(frozen=True)
class Say:
    """How to show what came from one top-level key: as written, or withheld."""

    secret: bool = False

    def value(self, value: object) -> str:
        return SECRET if self.secret else shown(value)

    def key(self, name: object, siblings: Iterable[object]) -> str:
        """A map key for a key path: as written, or ``<key N>``."""
        if not self.secret:
            return str(name)
        ordered = sorted({str(s) for s in siblings} | {str(name)})
        return f"<key {ordered.index(str(name)) + 1}>"

    def quoted_key(self, name: object, siblings: Iterable[object]) -> str:
        """A map key inside a sentence: quoted as written, or ``<key N>``."""
        return self.key(name, siblings) if self.secret else f"'{name}'"


CLEAR = Say(False)
WITHHELD = Say(True)


def redaction_note(secret_keys: Iterable[str]) -> str:
    keys = " and ".join(sorted(secret_keys))
    return (
        f"{keys}: secret in this stack (`pulumi config set --secret` on any path under a key "
        f"makes the whole key secret), so the messages above show none of its values "
        f"({SECRET}) or keys (<key N> = the Nth key at that level, in alphabetical order)."
    )
