"""The message contract between channels and the desk: what comes in, what goes out, buttons."""
