"""Inputs derived from stack config stay secret when their config key is secret.

Pulumi marks secret-ness per top-level key: one ``pulumi config set --secret --path
'healthcare-clients:applications.x.description'`` makes all of ``applications`` secret, and
with it every input derived from it, down to IDs looked up by a name it holds and dates
computed from its settings (docs/design.md, "Secrets").
"""

from typing import TypeVar

import pulumi

T = TypeVar("T")


def secret_if(value: T, secret: bool) -> "pulumi.Input[T]":
    """``value`` as a secret Output when ``secret`` (its config key is secret), else as is."""
    return pulumi.Output.secret(value) if secret else value
