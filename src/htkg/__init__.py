"""htkg — the Human Trafficking Knowledge Graph publisher."""

__version__ = "0.1.0"
