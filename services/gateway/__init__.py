"""The HTTP/JSON face of intake and the case read API (Connect protocol, unary JSON).

Web front ends and CRMs that cannot speak gRPC call it; every call is
forwarded to the real gRPC service with the caller's own API key, so keys,
roles, scope and errors are exactly the gRPC ones.
"""
