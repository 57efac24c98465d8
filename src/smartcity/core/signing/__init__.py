"""Per-municipality signing keys (Ed25519) for receipts and decisions."""
