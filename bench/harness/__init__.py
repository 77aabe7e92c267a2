"""bench/run's parts: the engines, the host and page figures, the report."""
