"""Append-only, hash-chained audit log: one chain per municipality plus one for the instance."""
