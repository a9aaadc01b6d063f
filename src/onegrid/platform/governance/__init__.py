"""Burden-reduction rules: the admission and responsibility lists, the burden ledger and
working time."""
