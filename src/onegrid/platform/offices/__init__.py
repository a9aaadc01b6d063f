"""The burden-reduction office's own registers (减负办): apps and work groups, inspections and
indicators, burden complaints, documents and meetings (docs/burden-office.md)."""
