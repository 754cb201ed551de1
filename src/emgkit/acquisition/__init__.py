"""Live acquisition, device-agnostic: transport (ports, threads), journal, recorder, LSL, live view.

Everything about one board (codec, parser, driver, emulator model) lives in
:mod:`emgkit.devices`; the list of devices is :mod:`emgkit.devices.registry`.
"""
