"""The Mängelmelder: Open311 GeoReport v2 per municipality. A service request becomes a case
in the department of its category; status, notes and expected time flow back."""
