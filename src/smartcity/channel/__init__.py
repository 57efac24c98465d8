"""The city's own channel: announcements, events and warnings on the portal, as RSS/Atom,
iCalendar, ActivityPub and CAP 1.2 (docs/channel.md)."""
