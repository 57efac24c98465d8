"""Data protection by design: the personal data every module declares, read for access,
erasure, restriction and rectification requests, retention, the record of processing
activities and the privacy notices (docs/data-protection.md)."""
