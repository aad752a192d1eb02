"""Channel adapters: native update -> Incoming, Reply -> native send; plus the console."""
