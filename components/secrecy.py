"""Inputs derived from stack config stay secret when their config key is secret.

Pulumi marks secret-ness per top-level key: one ``pulumi config set --secret --path
'healthcare-clients:applications.x.description'`` makes all of ``applications`` secret, and
with it every input derived from it, down to IDs looked up by a name it holds and dates
computed from its settings (docs/design.md, "Secrets").
"""

from typing import TypeVar

import pulumi

from components.provider_resources import ResourceType

T = TypeVar("T")


def secret_if(value: T, secret: bool) -> "pulumi.Input[T]":
    """``value`` as a secret Output when ``secret`` (its config key is secret), else as is."""
    return pulumi.Output.secret(value) if secret else value


def copied_outputs(resource: ResourceType, secret: bool) -> list[str] | None:
    """The outputs to mark secret beside those whose input was: what the provider copies
    from another object, such as a service principal's display name (its application's),
    when the config they come from is secret."""
    return sorted(resource.copied_outputs) if secret and resource.copied_outputs else None
