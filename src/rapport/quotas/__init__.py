"""The quotas domain."""
