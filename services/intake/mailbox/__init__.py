"""The e-mail channel: a process that watches complaints mailboxes over IMAP
and files what arrives through intake (`python -m services.intake.mailbox`)."""
