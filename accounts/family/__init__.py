"""Family members: a guardian invites a co-parent or carer and chooses, per child, what they see."""
