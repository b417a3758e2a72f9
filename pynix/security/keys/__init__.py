"""The key retention service (Linux security/keys/; keyrings(7)).

Modules, lowest first: key.py (keys, users, quotas, permission, gc), types.py (the "user",
"logon" and "keyring" types), keyring.py (links and searches), process_keys.py (a cred's
keyrings, id lookup, fork/exec/exit), request_key.py (add_key's create-or-update,
request_key's search-or-construct), keyctl.py and keyctl_attr.py (the commands), proc.py
(/proc/keys, /proc/key-users, /proc/sys/kernel/keys/). ``KeyService`` is what a kernel
owns (``kernel.keys``).
"""
from pynix.security.keys.key import KeyService

__all__ = ["KeyService"]
