"""The web front end: the citizen portal, the staff back office and the city cockpit,
rendered on the server (Jinja2) and enhanced by small scripts of our own."""
