"""One module per command group of the `supportdesk` command line."""
