"""A person's own settings: the index page, profile, sign-in history in words, and the devices
(sessions) signed in to their account, which they may sign out."""
