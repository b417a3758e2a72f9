"""fsnotify: the kernel's file event notification (Linux fs/notify/)."""
