"""The JSON API under ``/api/v1``: shared dependencies, errors and the record routes."""
