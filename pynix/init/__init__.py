"""init/: building and starting the machine (Linux init/). ``main.py`` boots a configuration
to its first process; the command line (pynix/cli.py) is its only caller."""
