"""Readers and writers for stored sessions. Every reader returns a Recording."""
