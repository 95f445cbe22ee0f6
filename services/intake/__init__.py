"""services/intake: taking complaints in from every channel, exactly once."""
