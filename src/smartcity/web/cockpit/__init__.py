"""The city cockpit: the municipality on a map, live; charts of any Datastream; the
lighting energy report; and the region's overview for region administrators."""
