"""The staff back office of a municipality."""
