"""Water-meter readings for the Stadtwerke: a meter registry per municipality, readings
submitted online with plausibility checks, staff review, and the export for billing."""
