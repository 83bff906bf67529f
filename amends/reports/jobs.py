"""The reports' periodic jobs (see `amends.core.jobs`). Each is declared next to the work it
does; importing the modules registers them."""

from amends.reports import delivery, exports, rollups  # noqa: F401
