"""The council information system: bodies, committees, persons, meetings, agendas, papers and
their files, published as OParl 1.1 and on the portal (docs/council.md)."""
