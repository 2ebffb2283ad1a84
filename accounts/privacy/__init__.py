"""Privacy for families: who can see a child's data and why, who has looked at a child's SEND
information, and data requests (subject access, correction, erasure) answered by the school's
data protection lead by the legal deadline."""
