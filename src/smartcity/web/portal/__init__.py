"""The citizen portal of a municipality."""
