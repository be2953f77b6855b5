"""A release as something to ask questions of: its manifest, its store, named queries, descriptions.

Never imports Flask.
"""
