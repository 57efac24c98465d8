"""A module that exists only in a test: everything it brings is in its declaration."""
