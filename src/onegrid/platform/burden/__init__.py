"""The burden-reduction office's instruments: the forms inventory, field synonyms, targets."""
