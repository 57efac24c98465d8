"""Energy of municipal buildings: buildings with their meters, consumption per month and
year, kWh per m² against reference values, anomalies, CSV import and export."""
