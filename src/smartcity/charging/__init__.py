"""EV charging points of the Stadtwerke: locations, EVSEs and connectors as SensorThings
Things, the OCPI 2.2.1 Locations and Tariffs modules (sender), the AFIR data points and the
portal's "free charger near me"."""
