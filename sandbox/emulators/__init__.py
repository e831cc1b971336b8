"""Local emulators of the provider APIs, mounted under /sandbox/<provider>/."""
