"""healthcare-clients components. Kept import-free: tools and the benchmark load it cheaply."""

# The Pulumi project name (Pulumi.yaml): the config namespace and the URNs' project part.
PROJECT = "healthcare-clients"

# The release this program is (pyproject.toml, CHANGELOG.md). The stack reports it as the output
# `healthcareClientsVersion`, so a reviewer sees which release a preview or an up ran with; it
# is not written into the tenant, where a new release would change every registration.
VERSION = "0.1.0"
