"""The automation domain."""
