"""Programs run on host Linux and on pynix, compared (see test_programs.py)."""
