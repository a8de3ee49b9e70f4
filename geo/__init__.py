"""gridplan's geographic engine: loading, CRS, planning units, networks, gridding, metrics.

Nothing in this package imports streamlit; the app and the CLI are thin shells over it.
"""
