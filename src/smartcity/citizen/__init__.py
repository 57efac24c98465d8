"""Citizen services (OZG portal): a region's service catalog adopted by its municipalities,
versioned forms, drafts, submissions with signed receipts, and status by tracking code."""
