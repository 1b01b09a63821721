"""The pure core: statutory rules with reason codes. No database, no clock, no I/O."""
