"""The web console: server-rendered pages over Kahu's gRPC services, as the person signed in."""
