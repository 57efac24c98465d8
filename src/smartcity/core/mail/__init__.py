"""Outgoing e-mail through an outbox: written in the transaction that causes it, sent after."""
