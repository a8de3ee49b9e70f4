"""The grid model and its algorithms: planning units, gridding, metrics, edits, the plan in force and its repair, fusion.

Depends on `geo.data` and the core modules.
"""
