"""Triage: read a complaint and suggest its category, severity, validity, the complainant's
psychology and its language; find the personal data in free text; tell similar texts apart.

Pure functions over text — no database, no network, nothing downloaded: the model ships in
`model/` and is rebuilt by `amends triage-build` from the labelled data in `data/triage/`.
"""

from amends.triage.suggest import Guess, Suggestion, suggest

__all__ = ["Guess", "Suggestion", "suggest"]
