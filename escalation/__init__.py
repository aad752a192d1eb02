"""Escalations: requests against the monthly allowance, month close, summaries."""
