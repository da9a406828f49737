"""Token acquisition and caching: the only place with locks."""
