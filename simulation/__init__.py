"""Simulated hospitals: the demo data of the quick start (``load_demo``) and whole
OPD days played through the engine (``simulate_day``).

It sits above every other app: it drives ``scheduling`` and the ``tokens`` engine,
and reports with ``analytics``; nothing imports it."""
