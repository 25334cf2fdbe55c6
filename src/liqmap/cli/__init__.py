"""Thin typer commands over the library (no model logic here)."""
