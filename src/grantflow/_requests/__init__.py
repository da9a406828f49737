"""The requests integration: a thin transport over the protocol core and flows."""
