"""Security subsystems (Linux security/): the key retention service (keys/) and the list
of security modules (lsm.py)."""
