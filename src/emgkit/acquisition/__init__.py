"""Live acquisition: byte parsers (pure), transports (ports, threads), recorder."""
