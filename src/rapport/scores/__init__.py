"""The scores domain."""
