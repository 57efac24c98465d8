"""What every domain module shares: settings, storage, tenancy, identity, audit, events, HTTP."""
