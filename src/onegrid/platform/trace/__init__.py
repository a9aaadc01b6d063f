"""The natural trace (自然留痕): an append-only, hash-chained record of every action."""
