"""The protocol core: builds requests and validates responses, with no I/O of its own."""
