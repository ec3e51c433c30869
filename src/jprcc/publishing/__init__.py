"""Messages, reports and exchange formats: what a JPRCC sends and receives."""
