"""Files citizens and staff upload: checked, scanned where configured, stored under generated
names in the data directory."""
