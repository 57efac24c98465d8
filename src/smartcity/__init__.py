"""Self-hosted Smart City platform for German municipalities and regions."""

__version__ = "0.3.0"
