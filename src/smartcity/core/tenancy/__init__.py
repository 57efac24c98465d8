"""Smart Region tenancy: a region holds municipalities; tenant-owned rows name theirs."""
