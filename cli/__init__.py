"""`kahu`: the command-line client of Kahu's gRPC API (entry point: `cli.main:app`)."""
