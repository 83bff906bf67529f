"""The customer's pages, without an account: the complaint form per venue (and its QR poster),
the tracking page, the survey."""
