"""OpenBCI Cyton (and Daisy): packet codec, parser, commands, driver and emulator model."""
