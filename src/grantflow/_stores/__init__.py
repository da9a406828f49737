"""Token persistence: where a token lives between requests and between processes."""
