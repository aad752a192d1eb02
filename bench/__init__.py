"""Benchmarks of the desk: `python -m bench` runs every part and compares it with its reference."""
