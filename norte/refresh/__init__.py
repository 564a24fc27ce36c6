"""``norte calendar`` and ``norte refresh``: the release calendar and the release-day run."""
