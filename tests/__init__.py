"""The behaviour tests; a package, so that `tests.` names this folder whatever else is installed."""
