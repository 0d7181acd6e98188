"""The runtime: the bounded thread pool and the scheduler that runs task dicts."""
