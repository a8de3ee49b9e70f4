"""Coverage review, facility siting and staffing on top of the :mod:`geo` engine."""
