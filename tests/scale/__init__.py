"""Scale-out tests: several real processes on one PostgreSQL database."""
