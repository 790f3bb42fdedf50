"""Notification: deadlines opened, met and cancelled by disclosure and review events."""
