"""The routers of the web app (norte.web.app)."""
