"""Phonon outbound dialer, plain and encrypted: the create-request builder, the
encrypted envelope, the client and its answer codes."""
