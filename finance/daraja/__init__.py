"""Safaricom Daraja (M-Pesa): the client we call, the callbacks we parse, and a local simulator."""
