"""Triage: read a complaint and suggest its category, severity, validity, the complainant's
psychology and its language; find the personal data in free text; tell similar texts apart.

Pure functions over text — no database, no network, nothing downloaded: the model ships in
`model/` and is rebuilt by `amends triage-build` from the labelled data in `data/triage/`.

The suggestions are in `amends.triage.suggest`. Importing this package (for `pii`, which every
search and every save needs) does not load the model: numpy and the dictionaries, about 40 MB
that a process serving only pages does not need.
"""
