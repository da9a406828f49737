"""Unit tests: the protocol logic alone, with hand-built responses and no sockets."""
