"""Email in: messages fetched from IMAP mailboxes or posted by a mail gateway open complaints or
thread into theirs."""
