"""The LSM syscalls' ABI (include/uapi/linux/lsm.h): module ids that lsm_list_modules
reports. Facts only; security/lsm.py keeps the list of modules pynix has."""
from __future__ import annotations

LSM_ID_UNDEF, LSM_ID_CAPABILITY, LSM_ID_SELINUX, LSM_ID_SMACK = 0, 100, 101, 102
LSM_ID_TOMOYO, LSM_ID_APPARMOR, LSM_ID_YAMA, LSM_ID_LOADPIN = 103, 104, 105, 106
LSM_ID_SAFESETID, LSM_ID_LOCKDOWN, LSM_ID_BPF, LSM_ID_LANDLOCK = 107, 108, 109, 110
LSM_ID_IMA, LSM_ID_EVM, LSM_ID_IPE = 111, 112, 113
LSM_ID_SIZE = 8                               # each id is a u64
