"""The interactions domain."""
