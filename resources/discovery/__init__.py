"""Smart discovery in the resource library: sentence embeddings computed on save (an outbox
effect), "similar resources" on each page, "for you" by role and interests, and the curriculum
coverage map. The embedding model is an optional extra (requirements-embeddings.lock): without
it, similarity falls back to the search index and says so."""
