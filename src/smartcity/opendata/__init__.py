"""Open data: the municipality's DCAT-AP.de 3.0 catalogue (docs/opendata.md)."""
