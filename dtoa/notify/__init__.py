"""Notifications: the outbox of messages to providers and people (see dtoa.notify.outbox)."""
