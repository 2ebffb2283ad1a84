"""Accounts that nobody but their owner can activate.

A school never chooses a person's password: every account made in admin or by a roster import
starts without a usable one, and its owner sets it through an emailed invitation. An account that
already exists is linked to another school only when its owner accepts an emailed notice.
"""
