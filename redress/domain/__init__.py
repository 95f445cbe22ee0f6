"""Pure complaint-handling rules: calendars, regulatory deadlines, policies, clocks.

No I/O and no framework imports: workflows use this code inside Temporal's
sandbox, so it must give the same answer every time it is replayed.
"""
