"""``norte serve``: the web app and REST API (issue 16). See docs/architecture.md, "Web app"."""
