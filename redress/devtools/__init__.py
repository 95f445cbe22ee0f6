"""Developer tools: code generation and checks run by `make`."""
