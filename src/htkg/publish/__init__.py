"""Publishing a release: dumps, metadata (VoID, DCAT, data.json), static export. Never imports Flask."""
