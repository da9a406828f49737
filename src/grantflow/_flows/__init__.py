"""Multi-request operations written once, as generators driven by a transport."""
