"""Fixtures of the delivery tests: a real SMTP server and a real HTTP receiver (SMS gateway,
webhook endpoint)."""

from amends.notifications.tests.receiver import receiver
from amends.notifications.tests.smtp import smtp_server

__all__ = ["receiver", "smtp_server"]
