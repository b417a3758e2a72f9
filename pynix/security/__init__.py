"""Security subsystems (Linux security/): the key retention service (keys/)."""
