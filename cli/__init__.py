"""The ``gridplan`` command line: one module per subcommand, imported lazily."""
