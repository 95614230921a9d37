"""SafeGuide's core: retrieval and grounded answering. Knows nothing of the web."""
