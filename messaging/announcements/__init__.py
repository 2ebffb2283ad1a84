"""Announcements: staff post to a class, a year group, several classes or the whole school; families
read them in their language, confirm or answer a one-question form, and may reply privately.

Who receives one is decided when its fan-out job runs (`effects`), from the audience and the
viewing rights of that moment, never from a list kept at post time.
"""
