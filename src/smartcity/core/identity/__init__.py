"""Staff accounts, sessions, roles and permissions, OIDC login, and API keys for devices."""
