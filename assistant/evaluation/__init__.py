"""Measuring answer quality on labelled questions: ranking, decisions, calibration, latency, and charts."""
