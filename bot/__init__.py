"""The shell of the desk: settings, wiring, command line, scheduler and channel adapters."""
