"""Everything about one board in one folder: codec, parser, commands, driver, emulator model.

``devices/<board>/`` holds one device family; :mod:`emgkit.devices.registry` is the list of
devices emgkit records from (the only one: the CLI, the recorder, the emulators and the journal
all read it).
"""
