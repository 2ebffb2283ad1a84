"""Local stand-ins for outside services, run as real HTTP servers in tests and the demo."""
