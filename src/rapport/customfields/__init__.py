"""The customfields domain."""
