"""Build: parse the curated files → enrich (standard view, citations) → validate → freeze a release.

Never imports Flask (see ``tests/test_layering.py``).
"""
