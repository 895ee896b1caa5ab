"""Reports of the digitization plan: the yearly report to the Ministry."""
