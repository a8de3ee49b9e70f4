"""`python -m geo.demo`: write the demo district (see `geo.demo.generate`)."""

from geo.demo.generate import main

raise SystemExit(main())
