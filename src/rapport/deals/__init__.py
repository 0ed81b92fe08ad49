"""The deals domain."""
