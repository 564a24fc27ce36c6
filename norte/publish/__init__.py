"""Publishing: the static report site, charts, maps and the PDF report (see docs/architecture.md, "Publishing")."""
