"""The consents domain."""
