"""Notifications recorded by the lifecycle (reminders and the like); delivery is a separate concern."""
