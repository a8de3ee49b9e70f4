"""Walking networks: loading, snapping, many-to-many walking distances.

Depends only on the core modules.
"""
