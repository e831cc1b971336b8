"""iovox initiateCall: the XML builder, the client and its error strings."""
