"""The emgkit_stream Arduino sketch (MyoWare): framed protocol, conversion, driver, model."""
