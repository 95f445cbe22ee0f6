"""The agents' and supervisors' web console: server-rendered pages over the gRPC APIs."""
