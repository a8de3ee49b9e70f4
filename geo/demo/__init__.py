"""The seeded generator of the synthetic demo district (`python -m geo.demo`).

Depends only on the core modules.
"""
