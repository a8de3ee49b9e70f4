"""Persistence and output: the plan store (GeoPackage, PostGIS) and the exports.

Depends on `geo.grids`, `geo.data` and the core modules.
"""
