"""Executors: where tasks run when not in the scheduler's own threads (processes)."""
