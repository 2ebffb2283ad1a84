"""Learning records: assessments, activity, awards, competency judgements, observations from home."""
