"""Paycall Dynamic Dialer v2.1: the dialer and simple dialer builders, the client of
its eight endpoints, its CDR CSV, and reading its JSON back into a flow."""
