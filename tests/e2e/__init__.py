"""End-to-end tests against a real OpenID provider started by the suite."""
