"""Live API connectors (fetch, save the agency's own body, ingest it like a downloaded file)."""
