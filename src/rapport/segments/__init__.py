"""The segments domain."""
