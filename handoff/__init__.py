"""Routing callers to secure paths and humans, Twilio call control, webhooks."""
