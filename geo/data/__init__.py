"""Data in: reading, validating and reprojecting the user's layers into one metric CRS (`Layers`).

Depends only on `geo.settings` and `geo.errors`.
"""
