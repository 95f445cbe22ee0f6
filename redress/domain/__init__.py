"""Pure complaint-handling rules: the complaint (complaint*.py), calendars,
regulatory deadlines, policies, clocks.

No I/O and no framework imports: workflows use this code inside Temporal's
sandbox, so it must give the same answer every time it is replayed.
"""
