"""The client without a transport: configuration and state, every operation a flow."""
