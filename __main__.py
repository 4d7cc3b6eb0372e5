"""healthcare-clients: Entra ID client applications for Azure Health Data Services."""

import pulumi

from components.clock import ClockError
from components.errors import ConfigError
from components.stack import build_stack, check_stack_config

try:
    outputs = build_stack(check_stack_config())
except (ConfigError, ClockError) as error:
    # RunError ends the program with the message alone: a user's mistake, not a traceback.
    raise pulumi.RunError(str(error)) from None

for key, value in outputs.items():
    pulumi.export(key, value)
