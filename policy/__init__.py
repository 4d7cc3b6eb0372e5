"""healthcare-clients policy pack (see README.md). Importable as ``policy`` for tests and tools."""
