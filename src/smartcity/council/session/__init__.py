"""The digital session of a council meeting: running it, attendance and quorum, the speakers'
list and electronic votes (docs/council.md, "The digital session")."""
