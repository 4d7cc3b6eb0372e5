"""healthcare-clients components. Kept import-free: tools and the benchmark load it cheaply."""

# The Pulumi project name (Pulumi.yaml): the config namespace and the URNs' project part.
PROJECT = "healthcare-clients"
