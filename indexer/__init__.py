"""SafeGuide indexer: parse the corpus, chunk it by its structure, embed it offline, store it.

Run it as ``python -m indexer build | status | verify | add FILE``.
"""
